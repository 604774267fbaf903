/**
 * Where a profile's pods may run. MIG slices only on nodes in MIG mode, full GPUs never there.
 * Keyed on `nvidia.com/mig.config`, the label Pulumi sets on MIG nodes: GPU feature discovery
 * marks every A100 `nvidia.com/mig.capable=true` whether MIG is on or not, so the seed's
 * `mig.capable NotIn [true]` would keep full-GPU pods off every node (docs/config.md).
 */
import { migLayoutName, nodeCapacity } from "../../config/derived";
import type { PlatformConfig } from "../../config/schema/platform";
import type { Profile } from "../../config/schema/profile";

export const MIG_CONFIG_LABEL = "nvidia.com/mig.config";
export const GPU_PRESENT_LABEL = "nvidia.com/gpu.present";

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values?: readonly string[];
}

export interface NodeSelectorTerm {
  readonly matchExpressions: readonly NodeSelectorRequirement[];
}

/** Layout names of the MIG nodes that offer `slice` (all MIG layouts when slice is undefined). */
export function migLayoutsOffering(config: PlatformConfig, slice?: string): string[] {
  const names = config.nodes.flatMap((node) => {
    const name = migLayoutName(node);
    if (!name) return [];
    return slice === undefined || (nodeCapacity(node).migSlices[slice] ?? 0) > 0 ? [name] : [];
  });
  return [...new Set(names)].sort();
}

/** Required node affinity for full GPUs: a GPU node that is not in MIG mode. */
export function fullGpuAffinity(config: PlatformConfig): NodeSelectorTerm[] {
  const migLayouts = migLayoutsOffering(config);
  return [
    {
      matchExpressions: [
        { key: GPU_PRESENT_LABEL, operator: "In", values: ["true"] },
        ...(migLayouts.length > 0
          ? [{ key: MIG_CONFIG_LABEL, operator: "NotIn" as const, values: migLayouts }]
          : []),
      ],
    },
  ];
}

/** The required node affinity of a profile's pods, or [] when any node will do. */
export function profileAffinity(config: PlatformConfig, profile: Profile): NodeSelectorTerm[] {
  const slice = profile.gpu?.migSlice;
  if (slice) {
    return [
      {
        matchExpressions: [
          { key: MIG_CONFIG_LABEL, operator: "In", values: migLayoutsOffering(config, slice) },
        ],
      },
    ];
  }
  if (profile.gpu?.count) return fullGpuAffinity(config);
  return [];
}
