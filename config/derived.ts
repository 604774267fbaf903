/**
 * Numbers derived from the validated config, computed in one place: what each node offers, what
 * the inventory offers in all, what the namespace quota allows and what each profile asks for.
 * Rules, the capacity planner, the components and the simulated cluster all read these, so they
 * cannot disagree. Where pods may run, and the labels that decide it, are in placement.ts.
 */
import { inMigMode } from "./placement";
import { parseQuantity } from "./quantity";
import type { NodeSpec } from "./schema/nodes";
import type { PlatformConfig } from "./schema/platform";
import type { Profile } from "./schema/profile";

export { migLayoutName } from "./placement";

/** The extended resource of a whole GPU, as the device plugin advertises it. */
export const FULL_GPU_RESOURCE = "nvidia.com/gpu";

/** The extended resource of one MIG slice (mig.strategy mixed), e.g. nvidia.com/mig-1g.5gb. */
export function migResourceName(slice: string): string {
  return `nvidia.com/mig-${slice}`;
}

export interface NodeCapacity {
  readonly name: string;
  readonly cpu: number;
  readonly memoryBytes: number;
  /** Whole GPUs the device plugin advertises as nvidia.com/gpu (GPUs outside the MIG layout). */
  readonly wholeGpus: number;
  /** MIG instances per slice name, as advertised as nvidia.com/mig-<slice>. */
  readonly migSlices: Readonly<Record<string, number>>;
  /** Nodes in MIG mode serve only MIG profiles' GPUs; full-GPU profiles are kept off them (placement.ts). */
  readonly migMode: boolean;
}

export interface ProfileDemand {
  readonly cpuGuarantee: number;
  readonly cpuLimit: number;
  readonly memoryGuaranteeBytes: number;
  readonly memoryLimitBytes: number;
  readonly gpus: number;
  readonly migSlice?: string;
}

export function quantityValue(text: string): number {
  const value = parseQuantity(text);
  if (value === undefined) throw new Error(`not a quantity after validation: ${text}`);
  return value;
}

export function nodeCapacity(node: NodeSpec): NodeCapacity {
  const migSlices: Record<string, number> = {};
  const gpusInLayout = new Set<number>();
  for (const group of node.mig?.layout ?? []) {
    for (const gpu of group.gpus) gpusInLayout.add(gpu);
    for (const [slice, count] of Object.entries(group.slices)) {
      migSlices[slice] = (migSlices[slice] ?? 0) + count * group.gpus.length;
    }
  }
  return {
    name: node.name,
    cpu: quantityValue(node.cpu),
    memoryBytes: quantityValue(node.memory),
    wholeGpus:
      Math.max(0, (node.gpu?.count ?? 0) - gpusInLayout.size) * (node.gpu?.timeSlicing?.replicas ?? 1),
    migSlices,
    migMode: inMigMode(node),
  };
}

/** MIG instances per slice over the whole inventory, by slice name in sorted order. */
export function inventoryMigSlices(config: Pick<PlatformConfig, "nodes">): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const node of config.nodes) {
    for (const [slice, count] of Object.entries(nodeCapacity(node).migSlices)) {
      totals[slice] = (totals[slice] ?? 0) + count;
    }
  }
  return Object.fromEntries(Object.entries(totals).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * How many instances of each MIG slice the namespace quota allows: the figure `quota.migSlices`
 * gives, and for a slice it leaves out (or when it is not set at all) every instance the inventory
 * offers. Covers every offered slice and every slice the quota names, in sorted order. The
 * ResourceQuota, the quota rule and the capacity planner all read this.
 */
export function migSliceQuota(config: Pick<PlatformConfig, "nodes" | "quota">): Record<string, number> {
  const offered = inventoryMigSlices(config);
  const configured = config.quota.migSlices ?? {};
  const slices = [...new Set([...Object.keys(offered), ...Object.keys(configured)])].sort();
  return Object.fromEntries(slices.map((slice) => [slice, configured[slice] ?? offered[slice] ?? 0]));
}

/** The profile marked default: the one a start without a profile gets, and the spawner's base. */
export function defaultProfile(config: Pick<PlatformConfig, "profiles">): Profile {
  const found = config.profiles.find((profile) => profile.default);
  if (!found) throw new Error("a validated config has exactly one default profile");
  return found;
}

export function profileDemand(profile: Profile): ProfileDemand {
  return {
    cpuGuarantee: quantityValue(profile.cpu.guarantee),
    cpuLimit: quantityValue(profile.cpu.limit),
    memoryGuaranteeBytes: quantityValue(profile.memory.guarantee),
    memoryLimitBytes: quantityValue(profile.memory.limit),
    gpus: profile.gpu?.count ?? 0,
    ...(profile.gpu?.migSlice ? { migSlice: profile.gpu.migSlice } : {}),
  };
}

export function usesGpu(profile: Profile): boolean {
  return profile.gpu !== undefined || (profile.customImage?.maxGpus ?? 0) > 0;
}

/** The Kubernetes extended resource a profile's GPU request uses. */
export function gpuResourceName(profile: Profile): string | undefined {
  if (profile.gpu?.migSlice) return migResourceName(profile.gpu.migSlice);
  if (profile.gpu?.count) return FULL_GPU_RESOURCE;
  return undefined;
}

/** Why `node` cannot hold one user of `profile`, or undefined when it can. */
export function whyProfileDoesNotFit(demand: ProfileDemand, node: NodeCapacity): string | undefined {
  if (demand.cpuGuarantee > node.cpu) return `needs ${demand.cpuGuarantee} CPU, node has ${node.cpu}`;
  if (demand.memoryGuaranteeBytes > node.memoryBytes) return "needs more memory than the node has";
  if (demand.migSlice) {
    if (!node.migMode) return "MIG profiles run only on nodes in MIG mode";
    if ((node.migSlices[demand.migSlice] ?? 0) < 1) return `node has no ${demand.migSlice} slice`;
  }
  if (demand.gpus > 0) {
    if (node.migMode) return "full-GPU profiles are kept off nodes in MIG mode";
    if (node.wholeGpus < demand.gpus) return `needs ${demand.gpus} GPUs, node has ${node.wholeGpus}`;
  }
  return undefined;
}
