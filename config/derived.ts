/**
 * Numbers derived from the validated config, computed in one place: what each node offers and
 * what each profile asks for. Rules, the capacity planner, the components and the simulated
 * cluster all read these, so they cannot disagree.
 */
import { createHash } from "node:crypto";
import { parseQuantity } from "./quantity";
import type { NodeSpec } from "./schema/nodes";
import type { Profile } from "./schema/profile";

export interface NodeCapacity {
  readonly name: string;
  readonly cpu: number;
  readonly memoryBytes: number;
  /** Whole GPUs the device plugin advertises as nvidia.com/gpu (GPUs outside the MIG layout). */
  readonly wholeGpus: number;
  /** MIG instances per slice name, as advertised as nvidia.com/mig-<slice>. */
  readonly migSlices: Readonly<Record<string, number>>;
  /** Nodes in MIG mode serve only MIG profiles' GPUs; full-GPU profiles are kept off them. */
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
    migMode: node.mig !== undefined,
  };
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
  if (profile.gpu?.migSlice) return `nvidia.com/mig-${profile.gpu.migSlice}`;
  if (profile.gpu?.count) return "nvidia.com/gpu";
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

/**
 * The name of a node's MIG layout in the MIG manager's config: the configured name, or one derived
 * from the slices so that nodes with the same layout share it (e.g. "g0-1g.5gbx7_g1-2g.10gbx3-1g.5gbx1").
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
