/**
 * The device plugin's configs for time-slicing: one key per distinct replica count, selected per
 * node by the label `nvidia.com/device-plugin.config`, and a `default` key for every other node.
 * Every key says `migStrategy: mixed`, so a key never turns MIG off on a node that uses it.
 * Nothing is rendered when no node shares its GPUs.
 */
import { FULL_GPU_RESOURCE } from "../../config/derived";
import { timeSlicingConfigName } from "../../config/placement";
import type { PlatformConfig } from "../../config/schema/platform";

/** The key nodes without the label (config/placement.ts, DEVICE_PLUGIN_CONFIG_LABEL) use: whole GPUs, no sharing. */
export const DEVICE_PLUGIN_DEFAULT = "default";

function pluginConfig(replicas?: number): string {
  const lines = ["version: v1", "flags:", "  migStrategy: mixed"];
  if (replicas !== undefined) {
    lines.push(
      "sharing:",
      "  timeSlicing:",
      "    resources:",
      `      - name: ${FULL_GPU_RESOURCE}`,
      `        replicas: ${replicas}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** ConfigMap data (key → device plugin config), or undefined when no node uses time-slicing. */
export function devicePluginConfigs(
  config: Pick<PlatformConfig, "nodes">,
): Record<string, string> | undefined {
  const data: Record<string, string> = {};
  for (const node of config.nodes) {
    const name = timeSlicingConfigName(node);
    if (name) data[name] = pluginConfig(node.gpu?.timeSlicing?.replicas);
  }
  if (Object.keys(data).length === 0) return undefined;
  return { [DEVICE_PLUGIN_DEFAULT]: pluginConfig(), ...data };
}
