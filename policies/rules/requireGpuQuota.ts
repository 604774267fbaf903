import type { StackValidationPolicy } from "@pulumi/policy";
import { hubSettingsOf, TYPES } from "../lib/workloads";

/** The namespace users spawn into has a ResourceQuota, and it caps GPUs: no class can take every GPU by accident. */
export const requireGpuQuota: StackValidationPolicy = {
  name: "gpu-jupyterhub-require-gpu-quota",
  description:
    "The user namespace has a ResourceQuota that limits requests.nvidia.com/gpu (and CPU and memory).",
  validateStack: (args, report) => {
    const userNamespaces = args.resources.flatMap((resource) => {
      const settings = hubSettingsOf(resource.type, resource.props);
      return settings?.spawner?.namespace ? [String(settings.spawner.namespace)] : [];
    });
    for (const namespace of new Set(userNamespaces)) {
      const quotas = args.resources.filter(
        (resource) =>
          resource.type === TYPES.resourceQuota && resource.props.metadata?.namespace === namespace,
      );
      if (quotas.length === 0) {
        report(`namespace "${namespace}" has no ResourceQuota`);
        continue;
      }
      const hard = Object.assign({}, ...quotas.map((quota) => quota.props.spec?.hard ?? {}));
      for (const key of ["requests.nvidia.com/gpu", "requests.cpu", "requests.memory"]) {
        if (hard[key] === undefined)
          report(`the ResourceQuota of namespace "${namespace}" does not cover ${key}`);
      }
    }
  },
};
