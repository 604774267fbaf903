/**
 * The namespace's ResourceQuota and LimitRange figures, from the config alone. Extended resources
 * (GPUs, MIG slices) can only be capped on requests, which is also what the scheduler counts.
 */
import { nodeCapacity } from "../../config/derived";
import type { PlatformConfig } from "../../config/schema/platform";

/** MIG slices the quota allows: the configured figure per slice, else all the inventory offers. */
export function migSliceQuota(config: PlatformConfig): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const node of config.nodes) {
    for (const [slice, count] of Object.entries(nodeCapacity(node).migSlices)) {
      totals[slice] = (totals[slice] ?? 0) + count;
    }
  }
  const configured = config.quota.migSlices ?? {};
  const slices = [...new Set([...Object.keys(totals), ...Object.keys(configured)])].sort();
  return Object.fromEntries(slices.map((slice) => [slice, configured[slice] ?? totals[slice] ?? 0]));
}

/** `spec.hard` of the ResourceQuota. */
export function quotaHard(config: PlatformConfig): Record<string, string> {
  const { quota } = config;
  return {
    "requests.cpu": quota.requestsCpu,
    "requests.memory": quota.requestsMemory,
    "requests.nvidia.com/gpu": String(quota.gpus),
    ...Object.fromEntries(
      Object.entries(migSliceQuota(config)).map(([slice, count]) => [
        `requests.nvidia.com/mig-${slice}`,
        String(count),
      ]),
    ),
    persistentvolumeclaims: String(quota.persistentVolumeClaims),
    ...(quota.requestsStorage ? { "requests.storage": quota.requestsStorage } : {}),
  };
}

/**
 * Defaults for a container that states no resources: what the default profile gets. A quota on
 * requests refuses pods without requests, so without these a stray pod would not start at all.
 */
export function containerDefaults(config: PlatformConfig) {
  const profile = config.profiles.find((candidate) => candidate.default);
  if (!profile) throw new Error("a validated config has exactly one default profile");
  return {
    type: "Container",
    defaultRequest: { cpu: profile.cpu.guarantee, memory: profile.memory.guarantee },
    default: { cpu: profile.cpu.limit, memory: profile.memory.limit },
  };
}
