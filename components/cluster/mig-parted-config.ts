/**
 * The MIG manager's config (mig-parted format, ConfigMap key `config.yaml`): one named layout per
 * distinct node layout, plus `all-disabled`. We own this ConfigMap rather than the chart's
 * `migManager.config.data`, whose format changed between chart versions, and from v26.3 the
 * operator's generated per-node configs cannot express a custom mix (docs/operations.md, Decisions).
 */
import { MIG_DISABLED, migLayoutName } from "../../config/placement";
import type { MigSpec, NodeSpec } from "../../config/schema/nodes";
import type { PlatformConfig } from "../../config/schema/platform";

/** Key the MIG manager reads from the ConfigMap named in `migManager.config.name`. */
export const MIG_CONFIG_KEY = "config.yaml";

/** One mig-parted entry: which GPUs (by index) get which slices, or stay whole. */
interface MigPartedEntry {
  readonly devices: "all" | readonly number[];
  readonly migEnabled: boolean;
  readonly migDevices?: Readonly<Record<string, number>>;
}

/** The entries of one node's layout; GPUs the layout does not list stay whole (MIG off). */
function migPartedEntries(node: NodeSpec & { mig: MigSpec }): MigPartedEntry[] {
  const entries: MigPartedEntry[] = node.mig.layout.map((group) => ({
    devices: group.gpus,
    migEnabled: true,
    migDevices: group.slices,
  }));
  const listed = new Set(node.mig.layout.flatMap((group) => group.gpus));
  const whole = Array.from({ length: node.gpu?.count ?? 0 }, (_, index) => index).filter(
    (index) => !listed.has(index),
  );
  if (whole.length > 0) entries.push({ devices: whole, migEnabled: false });
  return entries;
}

/** Layout name → entries, for every distinct layout in the inventory, in inventory order. */
function migLayouts(config: Pick<PlatformConfig, "nodes">): Map<string, MigPartedEntry[]> {
  const layouts = new Map<string, MigPartedEntry[]>();
  for (const node of config.nodes) {
    const name = migLayoutName(node);
    if (!name || !node.mig || layouts.has(name)) continue;
    layouts.set(name, migPartedEntries({ ...node, mig: node.mig }));
  }
  return layouts;
}

function entryYaml(entry: MigPartedEntry): string[] {
  const devices = entry.devices === "all" ? "all" : `[${entry.devices.join(", ")}]`;
  const lines = [`    - devices: ${devices}`, `      mig-enabled: ${entry.migEnabled}`];
  if (entry.migDevices) {
    lines.push("      mig-devices:");
    for (const [slice, count] of Object.entries(entry.migDevices)) lines.push(`        ${slice}: ${count}`);
  }
  return lines;
}

/**
 * The document itself. Written out by hand: the format is tiny, and a fixed layout keeps the
 * ConfigMap byte-stable, so an unchanged inventory never shows a diff.
 */
export function migPartedConfigYaml(config: Pick<PlatformConfig, "nodes">): string {
  const lines = ["version: v1", "mig-configs:", `  ${MIG_DISABLED}:`];
  lines.push(...entryYaml({ devices: "all", migEnabled: false }));
  for (const [name, entries] of migLayouts(config)) {
    lines.push(`  ${name}:`);
    for (const entry of entries) lines.push(...entryYaml(entry));
  }
  return `${lines.join("\n")}\n`;
}
