/**
 * Starts a real JupyterHub for a Node test through one of the Python launchers in test/hub/
 * (serve_hub.py, serve_hub_on_sim.py) and waits for the URL it prints. The launcher stops the hub
 * when its standard input closes, which also happens if this process dies; an exit hook kills the
 * hub's process group as a last resort.
 */
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { PROJECT_ROOT } from "../helpers";

const PYTHON = path.join(PROJECT_ROOT, ".work", "venv", "bin", "python");
// No __pycache__ beside the sources, as in test/hub/hub.test.ts.
export const HUB_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };

export interface RealHub {
  readonly url: string;
  /** The hub's log, in the launcher's temporary folder: gone once it stops. */
  readonly log: string;
  stop(): Promise<void>;
}

/** `launcher` is a path below the project root, e.g. test/hub/serve_hub.py. */
export async function startRealHub(launcher: string, args: readonly string[] = []): Promise<RealHub> {
  const venv = spawnSync("bash", [path.join("tools", "python-env.sh")], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: HUB_ENV,
    timeout: 10 * 60_000,
  });
  assert.equal(venv.status, 0, `tools/python-env.sh failed:\n${venv.stdout}${venv.stderr}`);

  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [launcher, ...args], {
    cwd: PROJECT_ROOT,
    env: HUB_ENV,
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let hubGroup = 0;
  const lastResort = () => {
    for (const pid of [hubGroup && -hubGroup, child.pid]) {
      try {
        if (pid) process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  process.once("exit", lastResort);

  const stop = async () => {
    child.stdin.end();
    const stopped = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
    if (!stopped) lastResort();
    process.removeListener("exit", lastResort);
  };

  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the hub did not start in 60 s:\n${stderr}`)), 60_000);
    createInterface({ input: child.stdout }).once("line", (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${launcher} exited with ${child.exitCode}:\n${stderr}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const started = JSON.parse(line) as { url: string; pid: number; log: string };
  hubGroup = started.pid;
  return { url: started.url, log: started.log, stop };
}
