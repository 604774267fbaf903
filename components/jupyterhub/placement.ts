/**
 * Where a profile's pods may run. MIG slices only on nodes in MIG mode, full GPUs never there.
 * Keyed on `nvidia.com/mig.config`, the label Pulumi sets on MIG nodes (the operator sets
 * "all-disabled" on the other MIG-capable ones): GPU feature discovery marks every A100
 * `nvidia.com/mig.capable=true` whether MIG is on or not, so the seed's `mig.capable NotIn [true]`
 * would keep full-GPU pods off every node (docs/config.md).
 */
import type { Profile } from "../../config/schema/profile";
import { MIG_DISABLED } from "../cluster/mig-parted-config";

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

/**
 * Required node affinity for full GPUs: a GPU node not in MIG mode, that is, without a MIG layout
 * label (a GPU model without MIG) or with the operator's "all-disabled". Layout names are not
 * named here, so changing a node's layout changes only that node's label (docs/engine.md).
 */
export function fullGpuAffinity(): NodeSelectorTerm[] {
  const gpuNode = { key: GPU_PRESENT_LABEL, operator: "In" as const, values: ["true"] };
  return [
    { matchExpressions: [gpuNode, { key: MIG_CONFIG_LABEL, operator: "DoesNotExist" }] },
    { matchExpressions: [gpuNode, { key: MIG_CONFIG_LABEL, operator: "In", values: [MIG_DISABLED] }] },
  ];
}

/**
 * Required node affinity for MIG slices: a node in MIG mode, whatever its layout. Which MIG nodes
 * offer the slice is for the scheduler to find: the slice is a resource the pod requests.
 */
export function migAffinity(): NodeSelectorTerm[] {
  return [
    {
      matchExpressions: [
        { key: MIG_CONFIG_LABEL, operator: "Exists" },
        { key: MIG_CONFIG_LABEL, operator: "NotIn", values: [MIG_DISABLED] },
      ],
    },
  ];
}

/** The required node affinity of a profile's pods, or [] when any node will do. */
export function profileAffinity(profile: Profile): NodeSelectorTerm[] {
  if (profile.gpu?.migSlice) return migAffinity();
  if (profile.gpu?.count) return fullGpuAffinity();
  return [];
}
