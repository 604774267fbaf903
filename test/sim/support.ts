/**
 * What the e2e tests share: a simulated cluster with the prod stack deployed (sim/), stopped again
 * after the file's tests, also when one fails (and by sim/reaper.sh if the test process dies).
 * Each test file has its own cluster (its own name and free ports), so files may run in parallel.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import type { PlatformConfig } from "../../config/schema/platform";
import type { KubeObject } from "../../render/objects";
import { readRendered } from "../../sim/apply";
import { clusterDir, type SimCluster, startCluster, stopCluster } from "../../sim/cluster";
import { type DeployReport, deployStack } from "../../sim/deploy";
import type { TestAccount } from "../../sim/identity-provider";
import { type LiveServices, startLiveServices } from "../../sim/live/services";
import { startNotebookRunner } from "../../sim/notebook-runner";
import { simConfig } from "../../sim/stack";

/** Long enough for a cold build of the tools (~21 min on 2 cores) when the cache is empty. */
export const SETUP_TIMEOUT = 45 * 60_000;

export interface SimulatedStack {
  readonly config: PlatformConfig;
  readonly cluster: SimCluster;
  readonly deploy: DeployReport;
  /** The rendered objects as applied (charts excluded). */
  readonly objects: readonly KubeObject[];
}

const log = (line: string) => process.stderr.write(`# [sim] ${line}\n`);

/** `configure` may change the prod config in memory first (e.g. short culler timeouts for a test). */
export async function simulatedStack(
  name: string,
  configure: (config: PlatformConfig) => PlatformConfig = (config) => config,
): Promise<SimulatedStack> {
  const config = configure(simConfig("prod"));
  const cluster = await startCluster({ name, config, nodes: config.nodes, log });
  try {
    const deploy = await deployStack(cluster, config);
    const objects = readRendered(deploy.renderedDir).objects.map((entry) => entry.object);
    return { config, cluster, deploy, objects };
  } catch (error) {
    await stopCluster(name, log);
    throw error;
  }
}

/** Stops the cluster and drops etcd's data; logs and the rendered files stay in .work/sim/<name>/. */
export async function tearDown(sim: SimulatedStack | undefined, name: string): Promise<void> {
  sim?.cluster.client.close();
  await stopCluster(name, log);
  rmSync(path.join(clusterDir(name), "etcd"), { recursive: true, force: true });
}

/** The live platform (sim/live/) on the stack, with a real notebook server behind every running user pod. */
export function startLiveWithNotebooks(
  sim: SimulatedStack,
  accounts: readonly TestAccount[],
): Promise<LiveServices> {
  return startLiveServices(sim.cluster, sim.config, accounts, (cluster) => startNotebookRunner(cluster));
}

/** Stops the live services (if they started), then the cluster, as tearDown does. */
export async function tearDownLive(
  services: LiveServices | undefined,
  sim: SimulatedStack | undefined,
  name: string,
) {
  await services?.stop();
  await tearDown(sim, name);
}
