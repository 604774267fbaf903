/**
 * The cluster state the free-places rule takes (places.ts), read from the API's objects as the hub's
 * watch cache reads them (hub/capacity_cache.py, hub/live_capacity.py): schedulable nodes with what the
 * namespace's bound, unfinished pods request, and the namespace quota's hard minus used. Pods not yet
 * bound are left out (the hub also holds places for them; compare states when none are pending).
 */
import { parseQuantity } from "../config/quantity";
import { type PodSpecLike, podRequests } from "../render/objects";
import type { Resources } from "./demand";
import type { ClusterState, NodeState } from "./places";

export interface NodeObject {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly spec?: { readonly unschedulable?: boolean };
  readonly status?: {
    readonly allocatable?: Record<string, string>;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
  };
}

export interface PodObject {
  readonly metadata: { readonly name: string; readonly deletionTimestamp?: string };
  readonly spec: PodSpecLike & { readonly nodeName?: string };
  readonly status?: { readonly phase?: string };
}

export interface QuotaObject {
  readonly status?: { readonly hard?: Record<string, string>; readonly used?: Record<string, string> };
}

const quantity = (text: string | undefined) => parseQuantity(String(text ?? "0")) ?? 0;

function schedulable(node: NodeObject): boolean {
  const ready = (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
  return ready && !node.spec?.unschedulable;
}

/** hard − used per resource ("requests.cpu" as "cpu"), the smallest where several quotas name one. */
export function quotaFreeOf(quotas: readonly QuotaObject[]): Resources | undefined {
  if (quotas.length === 0) return undefined;
  const free: Resources = {};
  for (const quota of quotas) {
    for (const [key, hard] of Object.entries(quota.status?.hard ?? {})) {
      if (key.startsWith("limits.") || key.startsWith("count/")) continue;
      const resource = key.replace(/^requests\./, "");
      const left = quantity(hard) - quantity(quota.status?.used?.[key]);
      free[resource] = Math.min(free[resource] ?? Number.POSITIVE_INFINITY, left);
    }
  }
  return free;
}

export function clusterStateOf(
  nodes: readonly NodeObject[],
  pods: readonly PodObject[],
  quotas: readonly QuotaObject[],
): ClusterState {
  const states: NodeState[] = [...nodes]
    .filter(schedulable)
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((node) => {
      const requested: Resources = {};
      for (const pod of pods) {
        const finished = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
        if (pod.spec.nodeName !== node.metadata.name || finished || pod.metadata.deletionTimestamp) continue;
        for (const [resource, amount] of Object.entries(podRequests(pod.spec)))
          requested[resource] = (requested[resource] ?? 0) + amount;
      }
      const allocatable = Object.fromEntries(
        Object.entries(node.status?.allocatable ?? {}).map(([resource, value]) => [
          resource,
          quantity(value),
        ]),
      );
      return { name: node.metadata.name, labels: node.metadata.labels ?? {}, allocatable, requested };
    });
  const quotaFree = quotaFreeOf(quotas);
  return quotaFree ? { nodes: states, quotaFree } : { nodes: states };
}
