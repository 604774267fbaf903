import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, effectiveProfiles, hubSettingsOf, podSpecOf, workloadName } from "../lib/workloads";

/** Every container and every profile has CPU and memory limits, so one user cannot starve a node. */
export const requireResourceLimits: ResourceValidationPolicy = {
  name: "gpu-jupyterhub-require-resource-limits",
  description: "Every container, every user pod and every notebook profile sets CPU and memory limits.",
  validateResource: (args, report) => {
    const spec = podSpecOf(args.type, args.props);
    if (spec) {
      for (const { container } of containersOf(spec)) {
        const limits = container.resources?.limits ?? {};
        for (const resource of ["cpu", "memory"]) {
          if (limits[resource] === undefined) {
            report(`${workloadName(args.props)}: container "${container.name}" has no ${resource} limit`);
          }
        }
      }
    }
    const settings = hubSettingsOf(args.type, args.props);
    for (const profile of settings ? effectiveProfiles(settings) : []) {
      for (const trait of ["cpu_limit", "mem_limit"]) {
        if (!(Number(profile.override[trait]) > 0)) report(`profile "${profile.slug}" has no ${trait}`);
      }
    }
  },
};
