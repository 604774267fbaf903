/**
 * The hub's static files from the repo's hub/ folder (jupyterhub_config.py, the spawn page
 * template, the profile culler), as ConfigMap entries with the path each is mounted at.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export const HUB_FILES_DIR = path.resolve(__dirname, "..", "..", "hub");

/** Files the hub image does not need at run time. */
const NOT_MOUNTED = new Set(["requirements.txt", "README.md"]);

export interface HubFile {
  /** ConfigMap key: the path with "/" replaced, since keys cannot hold slashes. */
  readonly key: string;
  /** Path below the hub's config directory. */
  readonly path: string;
  readonly content: string;
}

export function hubFiles(dir = HUB_FILES_DIR): HubFile[] {
  const walk = (relative: string): string[] =>
    readdirSync(path.join(dir, relative))
      .sort()
      .flatMap((name) => {
        const child = path.posix.join(relative, name);
        if (name === "__pycache__" || name.startsWith(".")) return [];
        return statSync(path.join(dir, child)).isDirectory() ? walk(child) : [child];
      });
  return walk("")
    .filter((file) => !NOT_MOUNTED.has(file))
    .map((file) => ({
      key: file.replaceAll("/", "__"),
      path: file,
      content: readFileSync(path.join(dir, file), "utf8"),
    }));
}

/** A short digest of everything the hub reads, as a pod annotation: a change rolls the hub. */
export function checksum(parts: readonly string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
}
