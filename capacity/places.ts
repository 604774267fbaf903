/**
 * Free places: how many more users of one kind fit into a cluster state, and what stops the next.
 * The one rule behind the capacity planner (a state made from the config: empty nodes, the quota
 * less the platform's own use) and the hub's live figures (hub/live_capacity.py, a state read from
 * the cluster). Both implementations pass the same corpus, test/fixtures/places-corpus.json.
 *
 * The rule, as the scheduler and the quota admission decide:
 * - a node counts when the pod's required node affinity matches its labels and it could hold one
 *   such pod when empty (every requested resource ≤ its allocatable);
 * - on such a node, places = how many more requests fit into allocatable − requested;
 * - the namespace quota allows as many as fit into its free amounts, counting only the resources
 *   it names (requests.cpu → cpu), plus one claim for a user who has no home claim yet;
 * - places = min(sum over nodes, quota); the limit is the quota's resource when the quota is
 *   the smaller, else the resource most eligible nodes run out of first.
 */
import { type NodeSelectorTerm, nodeSelectorMatches } from "../config/placement";
import { fitCount, type Resources } from "./demand";

export const CLAIMS = "persistentvolumeclaims";

export interface NodeState {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly allocatable: Readonly<Resources>;
  /** What the pods bound to the node request. */
  readonly requested: Readonly<Resources>;
}

export interface ClusterState {
  readonly nodes: readonly NodeState[];
  /** The namespace quota's hard minus used per resource (requests.cpu as cpu); absent: no quota. */
  readonly quotaFree?: Readonly<Resources>;
}

export interface PlaceRequest {
  /** One pod's requests: cpu in cores, memory in bytes, devices as counts. */
  readonly requests: Readonly<Resources>;
  /** Required node affinity terms (ORed); [] is any node. */
  readonly affinity: readonly NodeSelectorTerm[];
  /** Whether a user needs a new home claim (counted by the quota). */
  readonly newClaim: boolean;
}

export interface Places {
  readonly places: number;
  /** "nvidia.com/gpu", "quota: cpu", or "no node" when no node can ever hold one. */
  readonly limit: string;
  readonly perNode: Readonly<Record<string, number>>;
  readonly byNodes: number;
  /** Infinity without a quota. */
  readonly byQuota: number;
}

export function eligibleNodes(state: ClusterState, request: PlaceRequest): NodeState[] {
  return state.nodes.filter(
    (node) =>
      nodeSelectorMatches(request.affinity, { ...node.labels }) &&
      Object.entries(request.requests).every(
        ([resource, amount]) => (node.allocatable[resource] ?? 0) >= amount,
      ),
  );
}

function freeOn(node: NodeState): Resources {
  const free: Resources = { ...node.allocatable };
  for (const [resource, amount] of Object.entries(node.requested))
    free[resource] = (free[resource] ?? 0) - amount;
  return free;
}

/** What the quota counts of one user: only the resources it names. */
function quotaRequests(quotaFree: Readonly<Resources>, request: PlaceRequest): Resources {
  const all: Resources = { ...request.requests, ...(request.newClaim ? { [CLAIMS]: 1 } : {}) };
  return Object.fromEntries(Object.entries(all).filter(([resource]) => resource in quotaFree));
}

export function freePlaces(state: ClusterState, request: PlaceRequest): Places {
  const perNode: Record<string, number> = {};
  const limits = new Map<string, number>();
  for (const node of eligibleNodes(state, request)) {
    const fit = fitCount(freeOn(node), request.requests);
    perNode[node.name] = Math.max(0, fit.count);
    limits.set(fit.limit, (limits.get(fit.limit) ?? 0) + 1);
  }
  const byNodes = Object.values(perNode).reduce((sum, count) => sum + count, 0);
  let byQuota = Number.POSITIVE_INFINITY;
  let quotaLimit = "";
  if (state.quotaFree) {
    const counted = quotaRequests(state.quotaFree, request);
    if (Object.keys(counted).length > 0) {
      const fit = fitCount({ ...state.quotaFree }, counted);
      byQuota = Math.max(0, fit.count);
      quotaLimit = fit.limit;
    }
  }
  // Ties go to the resource named first in sorted order, so both implementations pick the same.
  const nodeLimit =
    [...limits.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? "no node";
  return {
    places: Math.min(byNodes, byQuota),
    limit: byQuota < byNodes ? `quota: ${quotaLimit}` : nodeLimit,
    perNode,
    byNodes,
    byQuota,
  };
}
