/**
 * Files as they were at a git ref, for the commands that compare with it (`npm run capacity -- --diff
 * REF`, `npm run golden:diff -- --against REF`): the ref is resolved once, then only the paths a
 * command needs are copied out of git into a temporary folder laid out like the repository.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatIssue } from "../config/issues";
import { loadPlatformConfig, profilesDirOf } from "../config/load";
import { MAX_STACK_BYTES, readTextFile } from "../config/read-files";
import type { PlatformConfig } from "../config/schema/platform";

/** A mistake in what the user asked for (an unknown ref, a path the ref does not have): exit 2, no stack trace. */
export class RefError extends Error {}

function git(
  cwd: string,
  args: readonly string[],
): { status: number | null; stdout: Buffer; stderr: string } {
  const result = spawnSync("git", args, { cwd, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new RefError(`git could not be run: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.toString("utf8").trim() };
}

/** A git ref resolved to its commit, with the top of the work tree it was read from. */
export interface ResolvedRef {
  readonly ref: string;
  readonly commit: string;
  readonly topLevel: string;
}

/** Resolves `ref` (a branch, tag, `origin/main`, a commit) in the repository that holds `cwd`. */
export function resolveRef(cwd: string, ref: string): ResolvedRef {
  const top = git(cwd, ["rev-parse", "--show-toplevel"]);
  if (top.status !== 0) throw new RefError(`${cwd} is not inside a git repository: ${top.stderr}`);
  const found = git(cwd, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  if (found.status !== 0 || ref.startsWith("-")) {
    const shallow = git(cwd, ["rev-parse", "--is-shallow-repository"]).stdout.toString().trim() === "true";
    throw new RefError(
      `unknown git ref "${ref}": no branch, tag or commit of that name in this repository` +
        (ref.includes("/") ? ` (fetch it first: git fetch ${ref.replace("/", " ")})` : "") +
        (shallow ? "; this clone is shallow, so it may have only its own commit (fetch-depth: 0)" : ""),
    );
  }
  return {
    ref,
    commit: found.stdout.toString().trim(),
    topLevel: realpathSync(top.stdout.toString().trim()),
  };
}

/** A path inside the work tree as git names it (relative to the top, forward slashes); throws outside it. */
export function gitPath(resolved: ResolvedRef, file: string): string {
  const relative = path.relative(resolved.topLevel, realpathOrSelf(path.resolve(file)));
  if (relative.startsWith("..") || path.isAbsolute(relative)) {
    throw new RefError(`${file} is outside the git repository ${resolved.topLevel}`);
  }
  return relative.split(path.sep).join("/");
}

function realpathOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    // A path that does not exist in the work tree may still exist at the ref: resolve its folder.
    const parent = path.dirname(file);
    return parent === file ? file : path.join(realpathOrSelf(parent), path.basename(file));
  }
}

/**
 * Copies the file or folder `gitRelative` (as `gitPath` gives it) at the ref into `dest`, at the
 * same relative place; returns how many files were written (0: the ref does not have it).
 */
export function copyFromRef(resolved: ResolvedRef, gitRelative: string, dest: string): number {
  const listed = git(resolved.topLevel, [
    "ls-tree",
    "-r",
    "-z",
    "--full-tree",
    resolved.commit,
    "--",
    gitRelative,
  ]);
  if (listed.status !== 0)
    throw new RefError(`git ls-tree ${resolved.ref} -- ${gitRelative}: ${listed.stderr}`);
  let written = 0;
  for (const entry of listed.stdout.toString("utf8").split("\0").filter(Boolean)) {
    // "<mode> <type> <object>\t<path>"; submodules ("commit") and symbolic links are not files of ours.
    const [, mode, type, object, file] = /^(\d+) (\w+) ([0-9a-f]+)\t([\s\S]+)$/.exec(entry) ?? [];
    if (type !== "blob" || mode === "120000" || !object || !file) continue;
    const blob = git(resolved.topLevel, ["cat-file", "blob", object]);
    if (blob.status !== 0) throw new RefError(`git cat-file ${object} (${file}): ${blob.stderr}`);
    const target = path.join(dest, ...file.split("/"));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, blob.stdout);
    written++;
  }
  return written;
}

/** A temporary folder for a ref's files, removed by `dispose`. */
export function refWorkspace(): { readonly dir: string; dispose(): void } {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "gpu-jupyterhub-ref-")));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ConfigAtRef {
  /** The validated config at the ref (read with the current code), or undefined with `problems`. */
  readonly config?: PlatformConfig;
  /** Every error, formatted as FILE:LINE:COL: FIELD: message with FILE as `REF:path`. */
  readonly problems: readonly string[];
}

/**
 * Loads the stack `stack` (Pulumi.<stack>.yaml in `projectRoot`) and its profiles as they are at
 * the ref, with the current schema and rules. `profilesDir`, when given, is read at the ref too.
 */
export function loadConfigAtRef(
  resolved: ResolvedRef,
  projectRoot: string,
  stack: string,
  profilesDir?: string,
): ConfigAtRef {
  const workspace = refWorkspace();
  try {
    const stackPath = gitPath(resolved, path.join(projectRoot, `Pulumi.${stack}.yaml`));
    if (copyFromRef(resolved, stackPath, workspace.dir) === 0) {
      return {
        problems: [`${resolved.ref}:${stackPath}: (file): the stack file does not exist at ${resolved.ref}`],
      };
    }
    const stackFile = path.join(workspace.dir, ...stackPath.split("/"));
    // The profiles folder as the stack file at the ref names it (or --profiles), inside the copy.
    const folder = profilesDir
      ? path.join(workspace.dir, ...gitPath(resolved, profilesDir).split("/"))
      : namedProfilesDir(stackFile);
    const folderPath = path.relative(workspace.dir, folder);
    if (folderPath.startsWith("..") || path.isAbsolute(folderPath)) {
      return {
        problems: [
          `${resolved.ref}:${stackPath}: profilesDir: names a folder outside the repository (${folder})`,
        ],
      };
    }
    copyFromRef(resolved, folderPath.split(path.sep).join("/"), workspace.dir);
    const result = loadPlatformConfig({ stackFile, ...(profilesDir ? { profilesDir: folder } : {}) });
    const errors = result.issues.filter((issue) => issue.severity === "error");
    const prefix = `${workspace.dir}${path.sep}`;
    const problems = errors.map((issue) =>
      formatIssue(issue)
        .split(prefix)
        .join(`${resolved.ref}:`)
        .split(workspace.dir)
        .join(`${resolved.ref}:.`),
    );
    return result.config && errors.length === 0 ? { config: result.config, problems: [] } : { problems };
  } finally {
    workspace.dispose();
  }
}

function namedProfilesDir(stackFile: string): string {
  const read = readTextFile(stackFile, MAX_STACK_BYTES);
  return profilesDirOf(stackFile, "issue" in read ? "" : read.text);
}
