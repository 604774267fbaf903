/**
 * Where pods may run, and the node labels that decide it, from the inventory alone. One module for
 * both sides of the match: the labels Pulumi sets on each node (components/cluster/gpu-operator.ts),
 * the labels a node carries once the GPU Operator runs (the capacity planner and the simulated
 * cluster), and the required node affinity of each profile's pods (the hub settings and the image
 * pre-pullers). Nothing else names these labels.
 *
 * Keyed on `nvidia.com/mig.config`, the label Pulumi sets on MIG nodes (and "all-disabled" on the
 * other MIG-capable ones): GPU feature discovery marks every A100 `nvidia.com/mig.capable=true`
 * whether MIG is on or not, so the seed's `mig.capable NotIn [true]` would keep full-GPU pods off
 * every node (docs/config.md). No layout is named in an affinity, so changing a node's layout
 * changes only that node's label (docs/engine.md).
 */
import { createHash } from "node:crypto";
import { type GpuModelName, gpuModel } from "./mig";
import type { NodeSpec } from "./schema/nodes";
import type { PlatformConfig } from "./schema/platform";
import type { Profile } from "./schema/profile";

/** The MIG manager applies the layout this label names; Pulumi owns it. */
export const MIG_CONFIG_LABEL = "nvidia.com/mig.config";
/** The layout of a MIG-capable node outside MIG mode (whole GPUs), in the label and the MIG manager's config. */
export const MIG_DISABLED = "all-disabled";
/** Set by GPU feature discovery on every node with an NVIDIA GPU. */
export const GPU_PRESENT_LABEL = "nvidia.com/gpu.present";
/** The device plugin reads the config key this label names (time-slicing); Pulumi owns it. */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
/** Labels under this prefix belong to the GPU Operator and to the platform, never to `nodes[].labels`. */
export const NVIDIA_LABEL_PREFIX = "nvidia.com/";

/** The node's GPUs can be split by MIG (whether or not they are). */
export function isMigCapable(node: NodeSpec): boolean {
  return node.gpu !== undefined && gpuModel(node.gpu.model as GpuModelName).migSlices !== undefined;
}

/** The device plugin config key a time-sliced node selects, e.g. "time-slicing-4"; undefined for other nodes. */
export function timeSlicingConfigName(node: NodeSpec): string | undefined {
  const replicas = node.gpu?.timeSlicing?.replicas;
  return replicas === undefined ? undefined : `time-slicing-${replicas}`;
}

/**
 * The name of a node's MIG layout in the MIG manager's config and in its `nvidia.com/mig.config`
 * label: the configured name, or one derived from the slices so that nodes with the same layout
 * share it (e.g. "g0-1g.5gbx7_g1-2g.10gbx3-1g.5gbx1"); undefined for a node outside MIG mode.
 */
export function migLayoutName(node: NodeSpec): string | undefined {
  if (!node.mig) return undefined;
  if (node.mig.name) return node.mig.name;
  const derived = node.mig.layout
    .map((group) => {
      const slices = Object.entries(group.slices)
        .map(([slice, count]) => `${slice}x${count}`)
        .join("-");
      return `g${group.gpus.join("g")}-${slices}`;
    })
    .join("_");
  if (derived.length <= 63) return derived;
  return `mig-${createHash("sha256").update(derived).digest("hex").slice(0, 12)}`;
}

/**
 * The value of `nvidia.com/mig.config`: the node's layout name, `all-disabled` on a MIG-capable
 * node without a layout, none on other nodes. Owning `all-disabled` explicitly (the operator would
 * set the same when the label is missing) lets a node leave MIG mode by an ordinary update.
 */
export function migConfigLabelValue(node: NodeSpec): string | undefined {
  return migLayoutName(node) ?? (isMigCapable(node) ? MIG_DISABLED : undefined);
}

/** The labels Pulumi sets on one node (the inventory's own, its MIG layout, its device plugin config), or {}. */
export function managedNodeLabels(node: NodeSpec): Record<string, string> {
  const migConfig = migConfigLabelValue(node);
  const pluginConfig = timeSlicingConfigName(node);
  return {
    ...node.labels,
    ...(migConfig ? { [MIG_CONFIG_LABEL]: migConfig } : {}),
    ...(pluginConfig ? { [DEVICE_PLUGIN_CONFIG_LABEL]: pluginConfig } : {}),
  };
}

/** Node name → labels Pulumi sets, for the nodes that get any. */
export function nodeLabelPlan(
  config: Pick<PlatformConfig, "nodes">,
): { node: string; labels: Record<string, string> }[] {
  return config.nodes
    .map((node) => ({ node: node.name, labels: managedNodeLabels(node) }))
    .filter((entry) => Object.keys(entry.labels).length > 0);
}

/** What the kubelet and GPU feature discovery advertise on their own. */
function discoveredNodeLabels(node: NodeSpec): Record<string, string> {
  const labels: Record<string, string> = { "kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux" };
  if (!node.gpu) return labels;
  const model = gpuModel(node.gpu.model as GpuModelName);
  return {
    ...labels,
    [GPU_PRESENT_LABEL]: "true",
    "nvidia.com/gpu.count": String(node.gpu.count),
    "nvidia.com/gpu.product": model.product,
    "nvidia.com/gpu.memory": String(model.memoryGiB * 1024),
    // Feature discovery reports MIG support of the hardware, not whether MIG is on (docs/config.md).
    "nvidia.com/mig.capable": String(isMigCapable(node)),
    "nvidia.com/mig.strategy": "mixed",
  };
}

/**
 * The labels a node of the inventory carries once the GPU Operator runs on it: what the kubelet and
 * GPU feature discovery advertise, plus what Pulumi sets. The capacity planner matches pods against
 * these, and the simulated cluster gives them to its nodes.
 */
export function expectedNodeLabels(node: NodeSpec): Record<string, string> {
  return { ...discoveredNodeLabels(node), ...managedNodeLabels(node) };
}

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
 * label (a GPU model without MIG) or with `all-disabled`.
 */
export function fullGpuAffinity(): NodeSelectorTerm[] {
  const gpuNode = { key: GPU_PRESENT_LABEL, operator: "In" as const, values: [String(true)] };
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
export function profileAffinity(profile: Pick<Profile, "gpu">): NodeSelectorTerm[] {
  if (profile.gpu?.migSlice) return migAffinity();
  if (profile.gpu?.count) return fullGpuAffinity();
  return [];
}

/** Whether a node with these labels satisfies required node affinity `terms` (ORed; [] is any node), as kube-scheduler decides. */
export function nodeSelectorMatches(
  terms: readonly NodeSelectorTerm[],
  labels: Record<string, string>,
): boolean {
  if (terms.length === 0) return true;
  return terms.some((term) =>
    term.matchExpressions.every((expression) => {
      const value = labels[expression.key];
      switch (expression.operator) {
        case "In":
          return value !== undefined && (expression.values ?? []).includes(value);
        case "NotIn":
          return value === undefined || !(expression.values ?? []).includes(value);
        case "Exists":
          return value !== undefined;
        case "DoesNotExist":
          return value === undefined;
        default:
          return false; // Gt, Lt: never written by us; a pod spec read back may carry them
      }
    }),
  );
}

/**
 * The node runs MIG: its labels admit MIG slices (and so keep full GPUs off it). Decided by the
 * same affinity the pods carry, so the capacity planner and the rules place pods where the
 * scheduler will.
 */
export function inMigMode(node: NodeSpec): boolean {
  return nodeSelectorMatches(migAffinity(), expectedNodeLabels(node));
}
