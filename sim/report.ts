/** The short report `npm run sim` prints: objects, workloads, nodes and their GPUs, timings. */
import path from "node:path";
import { table } from "../cli/summary";
import type { SimCluster } from "./cluster";
import type { DeployReport, PlatformRunning } from "./deploy";
import { type EngineDeployReport, engineVersions, stepLine } from "./engine-deploy";
import type { KubeClient } from "./kube-client";
import type { UserScheduler } from "./user-scheduler";
import type { WorkloadState } from "./workloads";

interface Node {
  metadata: { name: string; labels?: Record<string, string> };
  status: { allocatable?: Record<string, string>; conditions?: { type: string; status: string }[] };
}

/** Each node's resources as the API server holds them (not as the config says). */
export async function nodeTable(client: KubeClient): Promise<string> {
  const nodes = await client.list<Node>("/api/v1/nodes");
  return table([
    ["node", "ready", "cpu", "memory", "pods", "nvidia.com/gpu", "MIG slices", "nvidia.com/mig.config"],
    ...nodes.map((node) => {
      const allocatable = node.status.allocatable ?? {};
      const mig = Object.entries(allocatable)
        .filter(([resource]) => resource.startsWith("nvidia.com/mig-"))
        .map(([resource, count]) => `${resource.slice("nvidia.com/mig-".length)}×${count}`)
        .join(", ");
      const ready = node.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      return [
        node.metadata.name,
        ready ? "yes" : "no",
        allocatable.cpu ?? "",
        allocatable.memory ?? "",
        allocatable.pods ?? "",
        allocatable["nvidia.com/gpu"] ?? "—",
        mig || "—",
        node.metadata.labels?.["nvidia.com/mig.config"] ?? "—",
      ];
    }),
  ]);
}

function workloadTable(workloads: readonly WorkloadState[]): string {
  return table([
    ["kind", "namespace/name", "ready"],
    ...workloads.map((w) => [w.kind, `${w.namespace}/${w.name}`, `${w.ready}/${w.desired}`]),
  ]);
}

function userSchedulerLine(scheduler: UserScheduler | undefined): string {
  return scheduler
    ? `User scheduler: kube-scheduler process pid ${scheduler.process.pid} as ServiceAccount ${scheduler.serviceAccount}, schedulers ${scheduler.schedulerNames.join(", ")}${scheduler.lease ? `, lease ${scheduler.lease}` : ""}`
    : "User scheduler: disabled in the stack";
}

function clusterLine(cluster: SimCluster): string {
  const v = cluster.tools.versions;
  return `Simulated cluster "${cluster.name}": Kubernetes ${v.kubernetes} (etcd ${v.etcd}, kwok ${v.kwok}) at ${cluster.server}`;
}

/** What runs once either deploy path is done: workloads, the user scheduler, the nodes. */
async function runningSection(
  cluster: SimCluster,
  platform: PlatformRunning,
  workloads: readonly WorkloadState[],
): Promise<string[]> {
  return [
    "",
    "Workloads (pods run by kwok):",
    workloadTable(workloads),
    "",
    `Deployments Available: ${platform.deployments.map((d) => `${d.name} ${d.replicas}/${d.replicas}`).join(", ")}`,
    userSchedulerLine(platform.userScheduler),
    "",
    "Nodes (allocatable, as the API server has them):",
    await nodeTable(cluster.client),
    "",
  ];
}

function clusterTimes(cluster: SimCluster): string {
  const up = cluster.seconds;
  return `tools ${up.tools.toFixed(1)} s · control plane ${up.controlPlane.toFixed(1)} s · nodes Ready ${up.nodes.toFixed(1)} s`;
}

/** The report of the apply path (npm run sim -- --apply). */
export async function formatReport(
  cluster: SimCluster,
  deploy: DeployReport,
  workloads: readonly WorkloadState[],
  totalSeconds: number,
): Promise<string> {
  const objects = deploy.apply.objects;
  const count = (result: string) => objects.filter((object) => object.result === result).length;
  const skipped = objects.filter((object) => object.result === "skipped");
  const lines = [
    clusterLine(cluster),
    "",
    `Objects: ${objects.length} applied with server-side apply — ${count("created")} created, ${count("configured")} configured, ${count("failed")} refused, ${skipped.length} skipped`,
    ...skipped.map((object) => `  skipped ${object.kind} ${object.name}: ${object.message}`),
    ...deploy.apply.charts.map(
      (chart) => `  not applied: ${chart.file} (Helm chart reference: ${chart.charts.join(", ")})`,
    ),
    ...(await runningSection(cluster, deploy, workloads)),
    `Times: ${clusterTimes(cluster)} · render ${deploy.seconds.render.toFixed(1)} s · apply ${deploy.seconds.apply.toFixed(1)} s · Deployments Available ${deploy.seconds.available.toFixed(1)} s · total ${totalSeconds.toFixed(1)} s`,
  ];
  return lines.join("\n");
}

/** The report of the real engine's deploy (npm run sim). */
export async function formatEngineReport(
  cluster: SimCluster,
  deploy: EngineDeployReport,
  workloads: readonly WorkloadState[],
  totalSeconds: number,
): Promise<string> {
  const steps = [deploy.preview, deploy.up, deploy.secondPreview].filter(
    (step): step is NonNullable<typeof step> => step !== undefined,
  );
  const lines = [
    clusterLine(cluster),
    `Engine: ${engineVersions(deploy.engine)}; state in ${path.relative(process.cwd(), deploy.engine.dir)}`,
    "",
    ...steps.map(stepLine),
    deploy.preview
      ? `Policy pack: ${deploy.preview.policyViolations.length} violations in the preview`
      : "Policy pack: not run (no preview)",
    ...(await runningSection(cluster, deploy, workloads)),
    `Times: ${clusterTimes(cluster)} · ${steps.map((s) => `${s.step} ${s.seconds.toFixed(1)} s`).join(" · ")} · total ${totalSeconds.toFixed(1)} s`,
  ];
  return lines.join("\n");
}
