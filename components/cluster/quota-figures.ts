/**
 * The namespace's ResourceQuota and LimitRange figures, from the config alone. Extended resources
 * (GPUs, MIG slices) can only be capped on requests, which is also what the scheduler counts.
 */
import { defaultProfile, FULL_GPU_RESOURCE, migResourceName, migSliceQuota } from "../../config/derived";
import type { PlatformConfig } from "../../config/schema/platform";

/** `spec.hard` of the ResourceQuota. */
export function quotaHard(config: Pick<PlatformConfig, "quota" | "nodes">): Record<string, string> {
  const { quota } = config;
  return {
    "requests.cpu": quota.requestsCpu,
    "requests.memory": quota.requestsMemory,
    [`requests.${FULL_GPU_RESOURCE}`]: String(quota.gpus),
    ...Object.fromEntries(
      Object.entries(migSliceQuota(config)).map(([slice, count]) => [
        `requests.${migResourceName(slice)}`,
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
export function containerDefaults(config: Pick<PlatformConfig, "profiles">) {
  const profile = defaultProfile(config);
  return {
    type: "Container",
    defaultRequest: { cpu: profile.cpu.guarantee, memory: profile.memory.guarantee },
    default: { cpu: profile.cpu.limit, memory: profile.memory.limit },
  };
}
