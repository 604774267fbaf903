/** Waiting for the platform's workloads: Deployments Available, StatefulSets and DaemonSets ready. */
import type { KubeClient } from "./kube-client";
import { waitFor } from "./wait";

interface Deployment {
  metadata: { name: string; namespace: string };
  spec: { replicas?: number };
  status?: {
    availableReplicas?: number;
    conditions?: { type: string; status: string; message?: string }[];
  };
}

export interface DeploymentReady {
  readonly name: string;
  readonly replicas: number;
  readonly seconds: number;
}

/** Waits until each named Deployment has the condition Available=True and all replicas available. */
export async function waitDeploymentsAvailable(
  client: KubeClient,
  namespace: string,
  names: readonly string[],
  timeoutMs = 120_000,
): Promise<DeploymentReady[]> {
  const started = Date.now();
  const ready = new Map<string, DeploymentReady>();
  await waitFor(
    `Deployments ${names.join(", ")} in ${namespace} to be Available`,
    async () => {
      for (const name of names) {
        if (ready.has(name)) continue;
        const deployment = await client.find<Deployment>(
          `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
        );
        if (!deployment) continue;
        const replicas = deployment.spec.replicas ?? 1;
        const available = deployment.status?.conditions?.some(
          (c) => c.type === "Available" && c.status === "True",
        );
        if (available && (deployment.status?.availableReplicas ?? 0) >= replicas)
          ready.set(name, { name, replicas, seconds: (Date.now() - started) / 1000 });
      }
      return ready.size === names.length;
    },
    { timeoutMs, intervalMs: 200 },
  );
  return names.map((name) => ready.get(name) as DeploymentReady);
}

interface Workload {
  kind: string;
  metadata: { name: string; namespace: string };
  status?: {
    readyReplicas?: number;
    replicas?: number;
    numberReady?: number;
    desiredNumberScheduled?: number;
    availableReplicas?: number;
  };
  spec?: { replicas?: number };
}

export interface WorkloadState {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly ready: number;
  readonly desired: number;
}

/** Every Deployment, StatefulSet and DaemonSet of `namespaces` with its ready/desired pods. */
export async function workloadStates(
  client: KubeClient,
  namespaces: readonly string[],
): Promise<WorkloadState[]> {
  const states: WorkloadState[] = [];
  for (const namespace of namespaces) {
    for (const [kind, resource] of [
      ["Deployment", "deployments"],
      ["StatefulSet", "statefulsets"],
      ["DaemonSet", "daemonsets"],
    ] as const) {
      for (const workload of await client.list<Workload>(
        `/apis/apps/v1/namespaces/${namespace}/${resource}`,
      )) {
        const status = workload.status ?? {};
        const desired =
          kind === "DaemonSet" ? (status.desiredNumberScheduled ?? 0) : (workload.spec?.replicas ?? 1);
        const ready = kind === "DaemonSet" ? (status.numberReady ?? 0) : (status.readyReplicas ?? 0);
        states.push({ kind, namespace, name: workload.metadata.name, ready, desired });
      }
    }
  }
  return states;
}
