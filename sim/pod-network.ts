/**
 * Each simulated cluster's pod network: a /16 of loopback addresses, 127.N.0.0/16 with N in 1..254,
 * that no other running cluster on this machine uses. kwok hands out pod IPs from it (`--cidr`), so a
 * process listening on a pod's IP (sim/notebook-runner.ts) is reached by the hub and the proxy as on
 * a cluster: Linux routes all of 127.0.0.0/8 to the loopback interface. Never 127.0.0.0/16, where the
 * control plane listens on 127.0.0.1.
 *
 * The choice is recorded in `.work/sim/<name>/pod-network.json` (and in cluster.json) and made under
 * a lock (an atomic mkdir in .work/sim/), so clusters starting at the same time never pick the same N.
 * A record counts as in use while its cluster has a running process, or while the process that chose
 * it (a cluster still starting) is alive.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isRunning, readProcesses } from "./processes";
import { sleep } from "./wait";

export const POD_NETWORK_FILE = "pod-network.json";

export interface PodNetwork {
  /** The second octet: pods get 127.N.x.y. */
  readonly octet: number;
  /** kwok's `--cidr` value: the first address and the prefix. */
  readonly cidr: string;
  /** The process that chose it. */
  readonly pid: number;
}

export function podNetworkOf(octet: number): Omit<PodNetwork, "pid"> {
  if (!Number.isInteger(octet) || octet < 1 || octet > 254) throw new Error(`pod network octet ${octet}`);
  return { octet, cidr: `127.${octet}.0.1/16` };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pod network recorded for the cluster in `dir`, if any. */
export function readPodNetwork(dir: string): PodNetwork | undefined {
  const file = path.join(dir, POD_NETWORK_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PodNetwork;
  } catch {
    return undefined; // half-written by a process that died: not in use
  }
}

function inUse(dir: string): number | undefined {
  const network = readPodNetwork(dir);
  if (!network) return undefined;
  const used = readProcesses(dir).some(isRunning) || alive(network.pid);
  return used ? network.octet : undefined;
}

async function withLock<T>(root: string, work: () => T): Promise<T> {
  const lock = path.join(root, ".pod-network.lock");
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A holder only reads a few small files; a lock this old was left by a killed process.
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > 10_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > end) throw new Error(`waited 30 s for ${lock}`);
      else await sleep(20);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Picks the lowest 127.N.0.0/16 no other running cluster under `root` (.work/sim) uses and records
 * it in `dir` (the cluster's own folder, under root).
 */
export async function reservePodNetwork(root: string, dir: string): Promise<PodNetwork> {
  mkdirSync(dir, { recursive: true });
  return withLock(root, () => {
    const taken = new Set<number>();
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      const other = path.join(root, entry.name);
      if (!entry.isDirectory() || path.resolve(other) === path.resolve(dir)) continue;
      const octet = inUse(other);
      if (octet !== undefined) taken.add(octet);
    }
    for (let octet = 1; octet <= 254; octet++) {
      if (taken.has(octet)) continue;
      const network = { ...podNetworkOf(octet), pid: process.pid };
      writeFileSync(path.join(dir, POD_NETWORK_FILE), `${JSON.stringify(network)}\n`);
      return network;
    }
    throw new Error(`all 254 pod networks 127.1-254.0.0/16 are used by running clusters under ${root}`);
  });
}
