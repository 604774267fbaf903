/**
 * The labels Pulumi owns on each node: the MIG layout the MIG manager applies, the device plugin
 * config of time-sliced nodes, and the inventory's extra labels.
 *
 * A MIG-capable node outside MIG mode gets `all-disabled` explicitly (the operator would set the
 * same when the label is missing). Owning the value is what lets a node leave MIG mode by an
 * ordinary update: the label changes to `all-disabled` instead of lingering on a retained patch.
 */
import { migLayoutName } from "../../config/derived";
import { type GpuModelName, gpuModel } from "../../config/mig";
import type { NodeSpec } from "../../config/schema/nodes";
import type { PlatformConfig } from "../../config/schema/platform";
import { MIG_CONFIG_LABEL } from "../jupyterhub/placement";
import { DEVICE_PLUGIN_CONFIG_LABEL, timeSlicingConfigName } from "./device-plugin-config";
import { MIG_DISABLED } from "./mig-parted-config";

export function isMigCapable(node: NodeSpec): boolean {
  return node.gpu !== undefined && gpuModel(node.gpu.model as GpuModelName).migSlices !== undefined;
}

/** The labels one node gets, or {} when Pulumi has nothing to set on it. */
export function gpuNodeLabels(node: NodeSpec): Record<string, string> {
  const migConfig = migLayoutName(node) ?? (isMigCapable(node) ? MIG_DISABLED : undefined);
  const pluginConfig = timeSlicingConfigName(node);
  return {
    ...node.labels,
    ...(migConfig ? { [MIG_CONFIG_LABEL]: migConfig } : {}),
    ...(pluginConfig ? { [DEVICE_PLUGIN_CONFIG_LABEL]: pluginConfig } : {}),
  };
}

/** Node name → labels, for the nodes that get any. */
export function nodeLabelPlan(config: PlatformConfig): { node: string; labels: Record<string, string> }[] {
  return config.nodes
    .map((node) => ({ node: node.name, labels: gpuNodeLabels(node) }))
    .filter((entry) => Object.keys(entry.labels).length > 0);
}
