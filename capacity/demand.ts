/** Resource vectors: what a node offers and what a user (one pod) takes, in the scheduler's terms. */
import { FULL_GPU_RESOURCE, migResourceName, nodeCapacity, profileDemand } from "../config/derived";
import type { NodeSpec } from "../config/schema/nodes";
import type { Profile } from "../config/schema/profile";

/** Resource name → amount (cores, bytes, or device count). */
export type Resources = Record<string, number>;

export const CPU = "cpu";
export const MEMORY = "memory";

export function nodeResources(node: NodeSpec): Resources {
  const capacity = nodeCapacity(node);
  const resources: Resources = { [CPU]: capacity.cpu, [MEMORY]: capacity.memoryBytes };
  if (capacity.wholeGpus > 0) resources[FULL_GPU_RESOURCE] = capacity.wholeGpus;
  for (const [slice, count] of Object.entries(capacity.migSlices)) resources[migResourceName(slice)] = count;
  return resources;
}

/** What one user of the profile requests (its guarantees): what the scheduler and the quota count. */
export function userRequests(profile: Profile): Resources {
  const demand = profileDemand(profile);
  const requests: Resources = { [CPU]: demand.cpuGuarantee, [MEMORY]: demand.memoryGuaranteeBytes };
  if (demand.migSlice) requests[migResourceName(demand.migSlice)] = 1;
  else if (demand.gpus > 0) requests[FULL_GPU_RESOURCE] = demand.gpus;
  return requests;
}

/** How many more `requests` fit into `free`, and which resource runs out first. */
export function fitCount(free: Resources, requests: Resources): { count: number; limit: string } {
  let count = Number.POSITIVE_INFINITY;
  let limit = "";
  for (const [resource, amount] of Object.entries(requests)) {
    if (amount <= 0) continue;
    // A tiny epsilon keeps 0.1 + 0.2 style float noise from losing a whole user.
    const fits = Math.floor((free[resource] ?? 0) / amount + 1e-9);
    if (fits < count) {
      count = fits;
      limit = resource;
    }
  }
  return { count: Number.isFinite(count) ? count : 0, limit };
}

export function subtract(free: Resources, requests: Resources): void {
  for (const [resource, amount] of Object.entries(requests)) free[resource] = (free[resource] ?? 0) - amount;
}
