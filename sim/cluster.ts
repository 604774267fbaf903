/**
 * A simulated cluster, start to stop: the helpers `npm run sim`, the e2e tests and the hub-on-sim
 * work share (docs/sim.md). State lives in `.work/sim/<name>/` (git-ignored): the admin
 * kubeconfig (`kubeconfig`), one kubeconfig per component, the PKI, etcd's data, one log per
 * process (`logs/`), and `processes.txt`, from which `npm run sim:down` stops everything.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { NodeSpec } from "../config/schema/nodes";
import type { PlatformConfig } from "../config/schema/platform";
import { startControlPlane } from "./control-plane";
import { createK3sDefaults } from "./k3s-defaults";
import { KubeClient } from "./kube-client";
import { readKubeconfig, writeKubeconfig } from "./kubeconfig";
import { createNodes } from "./nodes";
import { createPki } from "./pki";
import { reservePodNetwork } from "./pod-network";
import { freePorts } from "./ports";
import { isRunning, type ProcessRecord, readProcesses, signalAll, startProcess, stopAll } from "./processes";
import { ensureTools, SIM_DIR, type SimTools, toolPaths } from "./tools";
import { since, waitFor } from "./wait";

export const PROJECT_ROOT = path.resolve(SIM_DIR, "..");
export const SIM_STATE_ROOT = path.join(PROJECT_ROOT, ".work", "sim");

export function clusterDir(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name))
    throw new Error(`cluster name "${name}": use a-z, 0-9 and '-'`);
  return path.join(SIM_STATE_ROOT, name);
}

/** The admin kubeconfig of cluster `name` (KUBECONFIG=... kubectl get nodes). */
export function kubeconfigPath(name: string): string {
  return path.join(clusterDir(name), "kubeconfig");
}

export interface SimCluster {
  readonly name: string;
  readonly dir: string;
  /** Admin kubeconfig (system:masters). */
  readonly kubeconfig: string;
  readonly server: string;
  readonly client: KubeClient;
  readonly tools: SimTools;
  readonly log: (line: string) => void;
  /** How long startCluster took: tools check or build, control plane, nodes, all. */
  readonly seconds: { tools: number; controlPlane: number; nodes: number; total: number };
}

export interface StartOptions {
  readonly name: string;
  /** Fake nodes to create (usually config.nodes); none when empty. */
  readonly nodes: readonly NodeSpec[];
  readonly config: PlatformConfig;
  /**
   * Keep running after this Node process exits (npm run sim:up). Otherwise (tests) a reaper stops
   * the cluster if this process dies without calling stopCluster, and SIGINT/SIGTERM stop it too.
   */
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
}

const stderrLog = (line: string): void => {
  process.stderr.write(`[sim] ${line}\n`);
};

function runningProcesses(dir: string): ProcessRecord[] {
  return readProcesses(dir).filter(isRunning);
}

/** Starts an empty cluster named `name` (its old state is wiped) and creates the fake nodes. */
export async function startCluster(options: StartOptions): Promise<SimCluster> {
  const log = options.log ?? stderrLog;
  const started = Date.now();
  const tools = await ensureTools(log);
  const seconds = { tools: (Date.now() - started) / 1000, controlPlane: 0, nodes: 0, total: 0 };
  const dir = clusterDir(options.name);
  const alive = runningProcesses(dir);
  if (alive.length > 0)
    throw new Error(
      `cluster "${options.name}" is already running (${alive.map((p) => p.name).join(", ")}); stop it with npm run sim:down -- --name ${options.name}`,
    );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (!options.keep) guardAgainstOrphans(dir, log);
  const pki = createPki(path.join(dir, "pki"));
  const [etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ports = { etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok };
  const podNetwork = await reservePodNetwork(SIM_STATE_ROOT, dir);
  const credentials = {
    server: `https://127.0.0.1:${apiserver}`,
    ca: readFileSync(pki.ca, "utf8"),
    ...pki.client("admin"),
  };
  const kubeconfig = path.join(dir, "kubeconfig");
  writeKubeconfig(kubeconfig, "admin", credentials);
  const client = new KubeClient(credentials);
  log(
    `starting cluster "${options.name}" in ${path.relative(PROJECT_ROOT, dir)} (Kubernetes ${tools.versions.kubernetes}, etcd ${tools.versions.etcd}, kwok ${tools.versions.kwok}; API server https://127.0.0.1:${apiserver})`,
  );
  const cluster: SimCluster = {
    name: options.name,
    dir,
    kubeconfig,
    server: credentials.server,
    client,
    tools,
    log,
    seconds,
  };
  try {
    const controlPlaneStarted = Date.now();
    const processes = await startControlPlane({
      dir,
      tools,
      pki,
      ports,
      admin: client,
      log,
      podCidr: podNetwork.cidr,
    });
    for (const line of await createK3sDefaults(client, options.config))
      log(`created ${line}, as k3s ships it`);
    await startProvisioner(cluster, processes);
    seconds.controlPlane = (Date.now() - controlPlaneStarted) / 1000;
    if (options.nodes.length > 0) {
      const nodesStarted = Date.now();
      await createNodes(client, options.nodes, tools.versions.kubernetes);
      seconds.nodes = (Date.now() - nodesStarted) / 1000;
      log(
        `${options.nodes.length} fake nodes Ready in ${since(nodesStarted)}: ${options.nodes.map((n) => n.name).join(", ")}`,
      );
    }
    writeFileSync(
      path.join(dir, "cluster.json"),
      `${JSON.stringify({ name: options.name, server: credentials.server, kubeconfig, ports, podCidr: podNetwork.cidr, versions: tools.versions }, null, 2)}\n`,
    );
    seconds.total = (Date.now() - started) / 1000;
    log(
      `cluster "${options.name}" up in ${since(started)}; KUBECONFIG=${path.relative(process.cwd(), kubeconfig)}`,
    );
    return cluster;
  } catch (error) {
    log(`start failed: ${(error as Error).message}`);
    await stopCluster(options.name, log);
    throw error;
  }
}

async function startProvisioner(cluster: SimCluster, processes: ProcessRecord[]): Promise<void> {
  const script = path.join(SIM_DIR, "provisioner.ts");
  const record = startProcess(
    cluster.dir,
    "provisioner",
    process.execPath,
    ["--import", "tsx", script, cluster.kubeconfig],
    { match: script, cwd: PROJECT_ROOT }, // `--import tsx` resolves from the working directory
  );
  await waitFor(
    "the storage provisioner to follow claims",
    () => existsSync(record.log) && readFileSync(record.log, "utf8").includes("serving claims"),
    { timeoutMs: 60_000, processes: [...processes, record] },
  );
  cluster.log(
    `stand-in controllers running (pid ${record.pid}): claims of nfs-client and local-path, Ingress status`,
  );
}

/** Connects to a running cluster started earlier (e.g. by npm run sim:up). */
export function connectCluster(name: string, log: (line: string) => void = stderrLog): SimCluster {
  const dir = clusterDir(name);
  const kubeconfig = path.join(dir, "kubeconfig");
  if (runningProcesses(dir).length === 0 || !existsSync(kubeconfig))
    throw new Error(`cluster "${name}" is not running; start it with npm run sim:up -- --name ${name}`);
  const credentials = readKubeconfig(kubeconfig);
  return {
    name,
    dir,
    kubeconfig,
    server: credentials.server,
    client: new KubeClient(credentials),
    tools: toolPaths(),
    log,
    seconds: { tools: 0, controlPlane: 0, nodes: 0, total: 0 },
  };
}

/** Stops every process of cluster `name`, last started first. Keeps its directory (logs). */
export async function stopCluster(name: string, log: (line: string) => void = stderrLog): Promise<number> {
  const dir = clusterDir(name);
  const started = Date.now();
  stopReaper(dir);
  const stopped = await stopAll(dir, log);
  log(`cluster "${name}": stopped ${stopped} processes in ${since(started)}`);
  return stopped;
}

const REAPER_FILE = "reaper.pid";

function guardAgainstOrphans(dir: string, log: (line: string) => void): void {
  const reaper = spawn("bash", [path.join(SIM_DIR, "reaper.sh"), String(process.pid), dir], {
    detached: true,
    stdio: "ignore",
  });
  reaper.unref();
  writeFileSync(path.join(dir, REAPER_FILE), `${reaper.pid}\n`);
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the cluster`);
    const code = 128 + (signal === "SIGINT" ? 2 : 15);
    stopAll(dir, log).then(
      () => process.exit(code),
      () => process.exit(code),
    );
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", () => signalAll(dir));
}

function stopReaper(dir: string): void {
  const file = path.join(dir, REAPER_FILE);
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8").trim());
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("reaper.sh")) process.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
  rmSync(file, { force: true });
}
