/**
 * A profile as KubeSpawner takes it: `kubespawner_override` traits, rendered here so the hub's
 * Python only filters and applies them. Quantities are converted to the units KubeSpawner
 * expects (cores as floats, memory as bytes), so "64Gi" means the same to both sides.
 */
import { profileComputeUnitsPerHour } from "../../config/compute-units";
import { FULL_GPU_RESOURCE, gpuResourceName, profileDemand } from "../../config/derived";
import { fullGpuAffinity, type NodeSelectorTerm, profileAffinity } from "../../config/placement";
import { formatBytes, formatCores } from "../../config/quantity";
import { IMAGE_REFERENCE_PATTERN } from "../../config/schema/common";
import type { PlatformConfig } from "../../config/schema/platform";
import type { Profile } from "../../config/schema/profile";
import { PROFILE_LABEL } from "../names";
import type { GpuOverride, KubespawnerOverride, ProfileSettings } from "./hub-settings-schema";

function gpuOverride(
  config: Pick<PlatformConfig, "gpuOperator">,
  resource: string,
  count: number,
  affinity: readonly NodeSelectorTerm[],
): GpuOverride {
  const amount = { [resource]: String(count) };
  return {
    extra_resource_limits: amount,
    extra_resource_guarantees: amount,
    extra_pod_config: { runtimeClassName: config.gpuOperator.runtimeClassName },
    node_affinity_required: affinity,
  };
}

function cardSummary(profile: Profile): string {
  const demand = profileDemand(profile);
  const gpu = profile.gpu?.migSlice
    ? `1× MIG ${profile.gpu.migSlice}`
    : profile.gpu?.count
      ? `${profile.gpu.count}× GPU`
      : profile.customImage
        ? `0–${profile.customImage.maxGpus}× GPU`
        : undefined;
  const memory = formatBytes(demand.memoryLimitBytes).replace(/^([\d.]+)([KMGTPE]i)$/, "$1 $2B");
  const cpu = `${formatCores(demand.cpuLimit)} vCPU${gpu ? "" : " (shared)"}`;
  return [gpu, cpu, memory].filter(Boolean).join(" • ");
}

export function profileSettings(
  config: Pick<PlatformConfig, "gpuOperator" | "hub" | "usage">,
  profile: Profile,
): ProfileSettings {
  const demand = profileDemand(profile);
  const resource = gpuResourceName(profile);
  const gpuAmount = profile.gpu?.migSlice ? 1 : (profile.gpu?.count ?? 0);
  const override: KubespawnerOverride = {
    image: profile.image,
    cpu_guarantee: demand.cpuGuarantee,
    cpu_limit: demand.cpuLimit,
    mem_guarantee: Math.round(demand.memoryGuaranteeBytes),
    mem_limit: Math.round(demand.memoryLimitBytes),
    // KubeSpawner 7.0 merges a dict override into the trait (_apply_overrides: recursive_update), so
    // the pods keep the spawner's extra_labels (the hub-access label) and gain this one.
    extra_labels: { [PROFILE_LABEL]: profile.slug },
    ...(resource ? gpuOverride(config, resource, gpuAmount, profileAffinity(profile)) : {}),
  };
  return {
    slug: profile.slug,
    display_name: profile.displayName,
    description: profile.description,
    default: profile.default,
    order: profile.order,
    groups: profile.groups,
    summary: cardSummary(profile),
    gpu: {
      kind: profile.gpu?.migSlice ? "mig" : profile.gpu?.count ? "full" : "none",
      count: gpuAmount,
      ...(resource ? { resource } : {}),
    },
    ...(profile.idleTimeout !== undefined ? { idle_timeout: profile.idleTimeout } : {}),
    ...(profile.maxRuntime !== undefined ? { max_runtime: profile.maxRuntime } : {}),
    compute_units_per_hour: profileComputeUnitsPerHour(profile, config.usage.prices),
    kubespawner_override: override,
    ...(profile.customImage
      ? {
          custom_image: {
            image_pattern: `^${IMAGE_REFERENCE_PATTERN.replace(/^\^|\$$/g, "")}$`,
            default_image: profile.image,
            allowed_registries: [...config.hub.customImage.allowedRegistries],
            max_gpus: profile.customImage.maxGpus,
            gpu_overrides: Object.fromEntries(
              Array.from({ length: profile.customImage.maxGpus }, (_, index) => [
                String(index + 1),
                gpuOverride(config, FULL_GPU_RESOURCE, index + 1, fullGpuAffinity()),
              ]),
            ),
          },
        }
      : {}),
  };
}
