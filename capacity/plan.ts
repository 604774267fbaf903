/**
 * The capacity planner: how many users of each profile fit at once on the node inventory within
 * the namespace quota, and how a class scenario plays out. Pure arithmetic over the config; it
 * packs users the way the user scheduler does (NodeResourcesFit, MostAllocated).
 */
import {
  FULL_GPU_RESOURCE,
  migResourceName,
  migSliceQuota,
  nodeCapacity,
  profileDemand,
  quantityValue,
  whyProfileDoesNotFit,
} from "../config/derived";
import { expectedNodeLabels, profileAffinity } from "../config/placement";
import type { PlatformConfig } from "../config/schema/platform";
import type { Profile } from "../config/schema/profile";
import { CPU, fitCount, MEMORY, nodeResources, type Resources, subtract, userRequests } from "./demand";
import { type ClusterState, freePlaces, type PlaceRequest } from "./places";

export const PVCS = "persistentvolumeclaims";

/** What the platform's own pods and claims already take from the namespace quota. */
export interface Overhead {
  readonly quota: Resources;
}

export const NO_OVERHEAD: Overhead = { quota: {} };

export interface ProfileCapacity {
  readonly slug: string;
  readonly users: number;
  /** The resource that stops the next user, e.g. "nvidia.com/gpu" or "quota: persistentvolumeclaims". */
  readonly limit: string;
  readonly perNode: Readonly<Record<string, number>>;
  readonly byNodes: number;
  readonly byQuota: number;
}

/** The namespace quota as resources: the ResourceQuota's figures (MIG slices from migSliceQuota). */
export function quotaResources(config: PlatformConfig): Resources {
  const quota: Resources = {
    [CPU]: quantityValue(config.quota.requestsCpu),
    [MEMORY]: quantityValue(config.quota.requestsMemory),
    [FULL_GPU_RESOURCE]: config.quota.gpus,
    [PVCS]: config.quota.persistentVolumeClaims,
  };
  for (const [slice, count] of Object.entries(migSliceQuota(config))) quota[migResourceName(slice)] = count;
  return quota;
}

/** Every user holds one home claim, counted by the quota as long as the user exists. */
function quotaRequests(profile: Profile): Resources {
  return { ...userRequests(profile), [PVCS]: 1 };
}

function remainingQuota(config: PlatformConfig, overhead: Overhead): Resources {
  const quota = quotaResources(config);
  subtract(quota, overhead.quota);
  return quota;
}

/** The cluster as the config describes it before any user starts: empty nodes, the quota less the platform's own use. */
export function plannedState(config: PlatformConfig, overhead = NO_OVERHEAD): ClusterState {
  return {
    nodes: config.nodes.map((node) => ({
      name: node.name,
      labels: expectedNodeLabels(node),
      allocatable: nodeResources(node),
      requested: {},
    })),
    quotaFree: remainingQuota(config, overhead),
  };
}

/** One user of the profile, as the free-places rule takes it (a new user: with a home claim). */
export function placeRequest(profile: Profile): PlaceRequest {
  return { requests: userRequests(profile), affinity: profileAffinity(profile), newClaim: true };
}

export function profileCapacity(
  config: PlatformConfig,
  profile: Profile,
  overhead = NO_OVERHEAD,
): ProfileCapacity {
  const places = freePlaces(plannedState(config, overhead), placeRequest(profile));
  return {
    slug: profile.slug,
    users: places.places,
    limit: places.limit,
    perNode: places.perNode,
    byNodes: places.byNodes,
    byQuota: places.byQuota,
  };
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

export function profileCapacities(config: PlatformConfig, overhead = NO_OVERHEAD): ProfileCapacity[] {
  return [...config.profiles]
    .sort((a, b) => a.order - b.order)
    .map((profile) => profileCapacity(config, profile, overhead));
}

export interface ScenarioRow {
  readonly slug: string;
  readonly requested: number;
  readonly started: number;
  readonly waiting: number;
  /** Why the first waiting user waits. */
  readonly limit?: string;
}

export interface ScenarioResult {
  readonly rows: readonly ScenarioRow[];
  readonly started: number;
  readonly waiting: number;
  /** Users per node after the scenario, for a placement picture. */
  readonly placement: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Scarcest first: full GPUs (most first), then MIG slices, then the largest CPU guarantee. */
export function scarcityOrder(a: Profile, b: Profile): number {
  const key = (profile: Profile) => {
    const demand = profileDemand(profile);
    return [demand.gpus, demand.migSlice ? 1 : 0, demand.cpuGuarantee];
  };
  const [x, y] = [key(a), key(b)];
  for (let index = 0; index < x.length; index++) {
    const difference = (y[index] as number) - (x[index] as number);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * kube-scheduler's MostAllocated score: the mean share in use after placing, over cpu, memory and
 * the extended resources the pod requests (the scheduler skips extended resources a pod does not ask for).
 */
function mostAllocatedScore(allocatable: Resources, free: Resources, requests: Resources): number {
  let total = 0;
  let weights = 0;
  for (const [resource, offered] of Object.entries(allocatable)) {
    const extended = resource !== CPU && resource !== MEMORY;
    if (offered <= 0 || (extended && !(requests[resource] ?? 0))) continue;
    const used = offered - (free[resource] ?? 0) + (requests[resource] ?? 0);
    total += Math.min(1, used / offered);
    weights += 1;
  }
  return weights === 0 ? 0 : total / weights;
}

export type ScenarioOrder = "scarcest" | "listed";

export function runScenario(
  config: PlatformConfig,
  counts: Readonly<Record<string, number>>,
  overhead = NO_OVERHEAD,
  order: ScenarioOrder = "scarcest",
): ScenarioResult {
  const profiles = Object.keys(counts).map((slug) => {
    const profile = config.profiles.find((candidate) => candidate.slug === slug);
    if (!profile) throw new Error(`unknown profile "${slug}"`);
    return profile;
  });
  const nodes = config.nodes.map((node) => ({
    node,
    capacity: nodeCapacity(node),
    allocatable: nodeResources(node),
    free: nodeResources(node),
    users: {} as Record<string, number>,
  }));
  const quota = remainingQuota(config, overhead);
  const rows: ScenarioRow[] = [];
  for (const profile of order === "scarcest" ? [...profiles].sort(scarcityOrder) : profiles) {
    const requested = counts[profile.slug] ?? 0;
    const demand = profileDemand(profile);
    const requests = userRequests(profile);
    let started = 0;
    let limit: string | undefined;
    for (let user = 0; user < requested; user++) {
      const eligible = nodes.filter((state) => whyProfileDoesNotFit(demand, state.capacity) === undefined);
      const candidates = eligible.filter((state) => fitCount(state.free, requests).count >= 1);
      if (candidates.length === 0) {
        limit = mostCommon(eligible.map((state) => fitCount(state.free, requests).limit)) ?? "no node";
        break;
      }
      const quotaFit = fitCount(quota, quotaRequests(profile));
      if (quotaFit.count < 1) {
        limit = `quota: ${quotaFit.limit}`;
        break;
      }
      let best = candidates[0] as (typeof candidates)[number];
      let bestScore = mostAllocatedScore(best.allocatable, best.free, requests);
      for (const candidate of candidates.slice(1)) {
        const score = mostAllocatedScore(candidate.allocatable, candidate.free, requests);
        if (score > bestScore + 1e-12) [best, bestScore] = [candidate, score];
      }
      subtract(best.free, requests);
      subtract(quota, quotaRequests(profile));
      best.users[profile.slug] = (best.users[profile.slug] ?? 0) + 1;
      started++;
    }
    rows.push({
      slug: profile.slug,
      requested,
      started,
      waiting: requested - started,
      ...(limit ? { limit } : {}),
    });
  }
  const ordered = Object.keys(counts).map((slug) => rows.find((row) => row.slug === slug) as ScenarioRow);
  return {
    rows: ordered,
    started: rows.reduce((sum, row) => sum + row.started, 0),
    waiting: rows.reduce((sum, row) => sum + row.waiting, 0),
    placement: Object.fromEntries(nodes.map((state) => [state.node.name, state.users])),
  };
}
