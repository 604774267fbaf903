/**
 * The hub's static files from the repo's hub/ folder (jupyterhub_config.py, the spawn page
 * template, the profile culler, the settings schema) as ConfigMap `hub` holds them. The Platform
 * receives their contents (program.ts reads the folder); no component reads the disk.
 */

/** A file of the hub/ folder: its path below the folder ("/"-separated) and its text. */
export interface HubSourceFile {
  readonly path: string;
  readonly content: string;
}

/** A file as ConfigMap `hub` holds it and the hub mounts it. */
export interface HubFile extends HubSourceFile {
  /** ConfigMap key: the path with "/" replaced, since keys cannot hold slashes. */
  readonly key: string;
}

/** Files the hub image does not need at run time. */
const NOT_MOUNTED = new Set(["requirements.txt", "README.md"]);

export function mountedHubFiles(files: readonly HubSourceFile[]): HubFile[] {
  return files
    .filter((file) => !NOT_MOUNTED.has(file.path))
    .map((file) => ({ key: file.path.replaceAll("/", "__"), path: file.path, content: file.content }));
}
