import type { ResourceValidationPolicy } from "@pulumi/policy";
import { explainUnpinnedImage } from "../../config/schema/common";
import { containersOf, effectiveProfiles, hubSettingsOf, podSpecOf, workloadName } from "../lib/workloads";

/** Images are pinned to a tag or digest: `latest` or no tag means nodes run different software. */
export const requirePinnedImages: ResourceValidationPolicy = {
  name: "gpu-jupyterhub-require-pinned-images",
  description: "No container image and no profile image uses `latest` or lacks a tag.",
  validateResource: (args, report) => {
    const spec = podSpecOf(args.type, args.props);
    for (const { container } of spec ? containersOf(spec) : []) {
      const problem = explainUnpinnedImage(String(container.image ?? ""));
      if (problem) report(`${workloadName(args.props)}: container "${container.name}": ${problem}`);
    }
    const settings = hubSettingsOf(args.type, args.props);
    for (const profile of settings ? effectiveProfiles(settings) : []) {
      const problem = explainUnpinnedImage(String(profile.override.image ?? ""));
      if (problem) report(`profile "${profile.slug}": ${problem}`);
    }
  },
};
