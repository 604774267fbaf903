/**
 * restic as the restore command and the tests run it: the pinned binary that sim/build-tools.sh
 * builds (the version of the CronJobs' image), or $RESTIC, or restic on PATH; the repository and
 * its password from restic's own environment (RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE, ...), which
 * is passed on untouched, never printed.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const BUILD_TOOLS = path.join(__dirname, "..", "sim", "build-tools.sh");

/** The restic to run: $RESTIC, else the pinned build if it is there, else `restic` from PATH. */
export function resticBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RESTIC) return env.RESTIC;
  const listed = spawnSync("bash", [BUILD_TOOLS, "--list", "restic"], { encoding: "utf8" });
  const file = listed.status === 0 ? listed.stdout.split("\n")[0]?.split(" ")[2] : undefined;
  return file && existsSync(file) ? file : "restic";
}

export interface ResticResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** restic's last message on stderr; with --json it is an exit_error object whose message is the text. */
function lastMessage(stderr: string): string {
  const line = stderr.trim().split("\n").pop() ?? "";
  try {
    return (JSON.parse(line) as { message?: string }).message?.split("\n")[0] ?? line;
  } catch {
    return line;
  }
}

export class ResticError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly result: ResticResult,
  ) {
    super(`restic ${args[0]} failed (exit ${result.status}): ${lastMessage(result.stderr)}`);
  }
}

export interface Restic {
  /** Runs restic; throws ResticError unless it exits 0. */
  run(args: readonly string[]): ResticResult;
  /** The same, returning the result whatever the exit code. */
  tryRun(args: readonly string[]): ResticResult;
  json<T>(args: readonly string[]): T;
}

export function restic(env: NodeJS.ProcessEnv = process.env, binary = resticBinary(env)): Restic {
  const tryRun = (args: readonly string[]): ResticResult => {
    const result = spawnSync(binary, [...args], { env, encoding: "utf8", maxBuffer: 1 << 30 });
    if (result.error) throw result.error;
    return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const run = (args: readonly string[]) => {
    const result = tryRun(args);
    if (result.status !== 0) throw new ResticError(args, result);
    return result;
  };
  return {
    run,
    tryRun,
    json: <T>(args: readonly string[]) => JSON.parse(run([...args, "--json"]).stdout) as T,
  };
}

/** A snapshot as `restic snapshots --json` lists it. */
export interface Snapshot {
  readonly id: string;
  readonly short_id: string;
  readonly time: string;
  readonly paths: readonly string[];
  readonly tags?: readonly string[];
  readonly hostname: string;
}

/** One entry of `restic ls --json` (the first line describes the snapshot and has no path). */
export interface Entry {
  readonly name: string;
  readonly type: string;
  readonly path: string;
  readonly mtime?: string;
  readonly size?: number;
}

export function snapshots(tool: Restic, tag?: string): Snapshot[] {
  const list = tool.json<Snapshot[] | null>(["snapshots", "--no-lock", ...(tag ? ["--tag", tag] : [])]) ?? [];
  return [...list].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** The entries directly below `dir` in a snapshot. */
export function listDir(tool: Restic, snapshot: string, dir: string): Entry[] {
  return tool
    .run(["ls", "--no-lock", "--json", snapshot, dir])
    .stdout.split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Entry & { struct_type?: string })
    .filter((entry) => entry.struct_type === "node" && entry.path !== dir);
}
