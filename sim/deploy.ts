/**
 * Deploys the stack onto a simulated cluster, as far as a cluster without real kubelets allows:
 * render (like `npm run render`), apply every object (sim/apply.ts), wait until the hub, proxy and
 * user-scheduler Deployments are Available (kwok runs their pods), and start the user scheduler
 * as a real process (sim/user-scheduler.ts) so user pods get placed.
 */
import path from "node:path";
import { NAMES } from "../components/names";
import type { PlatformConfig } from "../config/schema/platform";
import { type ApplyReport, applyRendered } from "./apply";
import type { SimCluster } from "./cluster";
import { renderStack } from "./stack";
import { startUserScheduler, type UserScheduler } from "./user-scheduler";
import { since } from "./wait";
import { type DeploymentReady, waitDeploymentsAvailable } from "./workloads";

export interface DeployReport extends PlatformRunning {
  readonly renderedDir: string;
  readonly rendered: readonly string[];
  readonly apply: ApplyReport;
  readonly seconds: { readonly render: number; readonly apply: number; readonly available: number };
}

export async function deployStack(cluster: SimCluster, config: PlatformConfig): Promise<DeployReport> {
  const renderedDir = path.join(cluster.dir, "rendered");
  let start = Date.now();
  const rendered = await renderStack(config, renderedDir);
  const render = (Date.now() - start) / 1000;
  cluster.log(
    `rendered ${rendered.length} files in ${since(start)} into ${path.relative(process.cwd(), renderedDir)}`,
  );

  start = Date.now();
  const apply = await applyRendered(cluster.client, renderedDir, cluster.log);
  const counts = (result: string) => apply.objects.filter((object) => object.result === result).length;
  cluster.log(
    `applied ${apply.objects.length} objects in ${since(start)}: ${counts("created")} created, ${counts("configured")} configured, ${counts("skipped")} skipped, ${counts("failed")} failed`,
  );
  const failed = apply.objects.filter((object) => object.result === "failed");
  if (failed.length > 0)
    throw new Error(
      `the API server refused ${failed.length} objects:\n${failed.map((o) => `  ${o.kind} ${o.namespace ?? ""}/${o.name} (${o.file}): ${o.message}`).join("\n")}`,
    );

  start = Date.now();
  const platform = await platformRunning(cluster, config);
  return {
    renderedDir,
    rendered,
    apply,
    ...platform,
    seconds: { render, apply: apply.elapsedMs / 1000, available: (Date.now() - start) / 1000 },
  };
}

export interface PlatformRunning {
  readonly deployments: readonly DeploymentReady[];
  readonly userScheduler?: UserScheduler;
}

/**
 * After a deploy, however it was done: waits until the hub, proxy and user-scheduler Deployments
 * are Available (kwok runs their pods), then starts the user scheduler as a real process.
 */
export async function platformRunning(cluster: SimCluster, config: PlatformConfig): Promise<PlatformRunning> {
  const started = Date.now();
  const scheduler = config.userScheduler;
  // The user scheduler lives in a namespace of its own (components/cluster/user-scheduler-namespace.ts).
  const deployments = [
    ...(await waitDeploymentsAvailable(cluster.client, config.cluster.namespace, [NAMES.hub, NAMES.proxy])),
    ...(scheduler.enabled
      ? await waitDeploymentsAvailable(cluster.client, scheduler.namespace, [NAMES.userScheduler])
      : []),
  ];
  cluster.log(`Deployments ${deployments.map((d) => d.name).join(", ")} Available in ${since(started)}`);
  const userScheduler = scheduler.enabled
    ? await startUserScheduler(cluster, { namespace: scheduler.namespace, name: NAMES.userScheduler })
    : undefined;
  return { deployments, ...(userScheduler ? { userScheduler } : {}) };
}
