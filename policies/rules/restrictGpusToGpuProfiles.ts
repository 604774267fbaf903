import type { ResourceValidationPolicy } from "@pulumi/policy";
import { GPU_PRESENT_LABEL, MIG_CONFIG_LABEL } from "../../config/placement";
import { customImageGpuChoices, effectiveProfiles, hubSettingsOf, type Props } from "../lib/workloads";

const GPU_RESOURCE = /^nvidia\.com\/(gpu|mig-.+)$/;

function gpuResources(override: Props): string[] {
  return Object.keys({
    ...(override.extra_resource_limits ?? {}),
    ...(override.extra_resource_guarantees ?? {}),
  }).filter((resource) => GPU_RESOURCE.test(resource));
}

function affinityKeys(override: Props): string[] {
  return (override.node_affinity_required ?? []).flatMap((term: Props) =>
    (term.matchExpressions ?? []).map((expression: Props) => `${expression.key} ${expression.operator}`),
  );
}

/**
 * GPUs and MIG slices go only to profiles that GPU groups (or admins) may use (a custom image's GPU
 * choices included), always with the GPU
 * runtime class the hub settings name (`gpu.runtime_class_name`, from the stack's
 * gpuOperator.runtimeClassName) and the node affinity that keeps MIG slices on MIG nodes and full
 * GPUs off them.
 */
export const restrictGpusToGpuProfiles: ResourceValidationPolicy = {
  name: "gpu-jupyterhub-restrict-gpus-to-gpu-profiles",
  description:
    "Profiles that request nvidia.com/gpu or a MIG slice are open only to GPU and admin groups, use the GPU runtime class the hub settings name and carry the MIG/full-GPU node affinity.",
  validateResource: (args, report) => {
    const settings = hubSettingsOf(args.type, args.props);
    if (!settings) return;
    const runtimeClass = settings.gpu?.runtime_class_name;
    if (typeof runtimeClass !== "string" || runtimeClass === "")
      report("the hub settings name no GPU runtime class (gpu.runtime_class_name)");
    const entitled = new Set<string>([
      ...(settings.auth?.gpu_groups ?? []),
      ...(settings.auth?.admin_groups ?? []),
    ]);
    if (gpuResources(settings.spawner ?? {}).length > 0)
      report("the spawner defaults request a GPU: every user would get one");
    for (const profile of [...effectiveProfiles(settings), ...customImageGpuChoices(settings)]) {
      const resources = gpuResources(profile.override);
      if (resources.length === 0) continue;
      const open = profile.groups.filter((group) => !entitled.has(group));
      if (open.length > 0)
        report(
          `profile "${profile.slug}" requests ${resources.join(", ")} but is open to ${open.join(", ")}`,
        );
      if (runtimeClass && profile.override.extra_pod_config?.runtimeClassName !== runtimeClass) {
        report(
          `profile "${profile.slug}" requests ${resources.join(", ")} without runtimeClassName ${runtimeClass}`,
        );
      }
      const keys = affinityKeys(profile.override);
      const isMig = resources.some((resource) => resource.startsWith("nvidia.com/mig-"));
      const wanted = isMig ? `${MIG_CONFIG_LABEL} Exists` : `${GPU_PRESENT_LABEL} In`;
      if (!keys.includes(wanted))
        report(`profile "${profile.slug}" requests ${resources.join(", ")} without node affinity ${wanted}`);
    }
  },
};
