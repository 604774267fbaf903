/**
 * The simulated cluster's processes: started in their own process group with output to a log
 * file, recorded in start order in `<dir>/processes.txt` (pid, then the command line text that
 * identifies it), and stopped in reverse order, each given time to exit before the next one gets
 * SIGTERM. A record is only acted on while /proc/<pid>/cmdline still matches it, so a reused pid
 * is never signalled.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import path from "node:path";

export interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
  /** Text that /proc/<pid>/cmdline contains while the process is ours (its binary or script). */
  readonly match: string;
  readonly log: string;
}

export const PROCESS_FILE = "processes.txt";

/** Processes this Node process started and saw exit (a dead child is a zombie until reaped). */
const exited = new Map<number, number | string | null>();

export function startProcess(
  dir: string,
  name: string,
  command: string,
  args: readonly string[],
  options: { match?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ProcessRecord {
  mkdirSync(path.join(dir, "logs"), { recursive: true });
  const log = path.join(dir, "logs", `${name}.log`);
  const out = openSync(log, "a");
  const child: ChildProcess = spawn(command, args, {
    detached: true, // its own process group: a Ctrl-C in the terminal reaches us, we stop it in order
    stdio: ["ignore", out, out],
    env: options.env ?? process.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  // A missing binary is reported by the pid check below; unhandled, the 'error' event would end Node.
  child.on("error", () => undefined);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  child.on("exit", (code, signal) => exited.set(pid, code ?? signal));
  child.unref();
  const record = { name, pid, match: options.match ?? command, log };
  appendFileSync(path.join(dir, PROCESS_FILE), `${pid}\t${name}\t${record.match}\t${log}\n`);
  return record;
}

export function readProcesses(dir: string): ProcessRecord[] {
  const file = path.join(dir, PROCESS_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [pid, name, match, log] = line.split("\t");
      return { pid: Number(pid), name: name ?? "?", match: match ?? "", log: log ?? "" };
    });
}

/** Whether the process is alive and still the one recorded. */
export function isRunning(record: ProcessRecord): boolean {
  if (exited.has(record.pid)) return false;
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, "utf8").replace(/\0/g, " ");
    const state = readFileSync(`/proc/${record.pid}/stat`, "utf8").split(") ")[1]?.[0];
    return cmdline.includes(record.match) && state !== "Z";
  } catch {
    return false;
  }
}

/** How a process this Node process started ended: its exit code, or the signal's name; undefined while it runs. */
export function exitOf(record: ProcessRecord): number | string | null | undefined {
  return exited.get(record.pid);
}

/** Why a started process is no longer running: its exit code and the end of its log. */
export function deathNote(record: ProcessRecord): string {
  let tail = "";
  try {
    tail = readFileSync(record.log, "utf8").trimEnd().split("\n").slice(-15).join("\n");
  } catch {
    // no log
  }
  return `${record.name} (pid ${record.pid}) exited${exited.has(record.pid) ? ` with ${exited.get(record.pid)}` : ""}; last lines of ${record.log}:\n${tail}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, up to `graceMs` to exit, then SIGKILL. Resolves with how it ended. */
export async function stopProcess(record: ProcessRecord, graceMs = 15_000): Promise<string> {
  if (!isRunning(record)) return "not running";
  process.kill(record.pid, "SIGTERM");
  const end = Date.now() + graceMs;
  while (Date.now() < end) {
    if (!isRunning(record)) return "stopped";
    await sleep(50);
  }
  process.kill(record.pid, "SIGKILL");
  while (isRunning(record)) await sleep(50);
  return "killed after SIGTERM timed out";
}

/** Stops every recorded process of `dir`, last started first. */
export async function stopAll(dir: string, log: (line: string) => void): Promise<number> {
  let stopped = 0;
  for (const record of readProcesses(dir).reverse()) {
    const started = Date.now();
    const how = await stopProcess(record);
    if (how === "not running") continue;
    stopped++;
    log(`${record.name} (pid ${record.pid}) ${how} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return stopped;
}

/** Synchronous last resort (process 'exit' handlers cannot wait): SIGTERM to every recorded process. */
export function signalAll(dir: string): void {
  for (const record of readProcesses(dir).reverse()) {
    if (isRunning(record)) {
      try {
        process.kill(record.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
}
