/** Rules that check profiles against what the cluster and the namespace quota can hold. */
import {
  inventoryMigSlices,
  migSliceQuota,
  type NodeCapacity,
  nodeCapacity,
  type ProfileDemand,
  profileDemand,
  quantityValue,
} from "../derived";
import type { RuleIssue } from "../issues";
import { formatBytes, formatCores } from "../quantity";
import type { PlatformConfig } from "../schema/platform";

type DemandField = "cpu.guarantee" | "memory.guarantee" | "gpu.count" | "gpu.migSlice";

interface Shortfall {
  readonly field: DemandField;
  readonly why: string;
}

/** Every way one node falls short of one user of a profile (empty: it fits). */
function shortfalls(demand: ProfileDemand, node: NodeCapacity): Shortfall[] {
  const found: Shortfall[] = [];
  if (demand.cpuGuarantee > node.cpu) {
    found.push({
      field: "cpu.guarantee",
      why: `needs ${formatCores(demand.cpuGuarantee)} CPU, node has ${formatCores(node.cpu)}`,
    });
  }
  if (demand.memoryGuaranteeBytes > node.memoryBytes) {
    found.push({
      field: "memory.guarantee",
      why: `needs ${formatBytes(demand.memoryGuaranteeBytes)} memory, node has ${formatBytes(node.memoryBytes)}`,
    });
  }
  if (demand.migSlice) {
    if (!node.migMode) found.push({ field: "gpu.migSlice", why: "not in MIG mode" });
    else if ((node.migSlices[demand.migSlice] ?? 0) < 1) {
      found.push({ field: "gpu.migSlice", why: `has no ${demand.migSlice} slice` });
    }
  }
  if (demand.gpus > 0) {
    if (node.migMode)
      found.push({ field: "gpu.count", why: "in MIG mode, where full-GPU profiles are kept off" });
    else if (node.wholeGpus < demand.gpus) {
      found.push({ field: "gpu.count", why: `needs ${demand.gpus} GPUs, node has ${node.wholeGpus}` });
    }
  }
  return found;
}

/** At most this many nodes are named in one message; the rest are counted. */
const NODES_NAMED = 4;

function listNodes(entries: readonly string[]): string {
  const named = entries.slice(0, NODES_NAMED).join("; ");
  return entries.length > NODES_NAMED ? `${named}; and ${entries.length - NODES_NAMED} more` : named;
}

/**
 * A profile one user of which fits on no node, reported at the field that does not fit: each
 * field no node can satisfy (e.g. memory.guarantee when every node has less), or, when each field
 * alone would fit somewhere but no node has all, the field missing on the node that comes closest.
 */
export function everyProfileFitsSomeNode(config: PlatformConfig): RuleIssue[] {
  const nodes = config.nodes.map(nodeCapacity);
  const offeredSlices = inventoryMigSlices(config);
  return config.profiles.flatMap((profile, index) => {
    const demand = profileDemand(profile);
    const perNode = nodes.map((node) => ({ node, missing: shortfalls(demand, node) }));
    if (perNode.some((entry) => entry.missing.length === 0)) return [];
    const at = (field: DemandField) => ["profiles", index, ...field.split(".")];
    const everywhere = (["gpu.count", "gpu.migSlice", "memory.guarantee", "cpu.guarantee"] as const).filter(
      (field) => perNode.every((entry) => entry.missing.some((missing) => missing.field === field)),
    );
    // A slice no node offers at all is reported by migSliceExistsInSomeLayout, with the slices that are.
    const reported = everywhere.filter(
      (field) => !(field === "gpu.migSlice" && demand.migSlice && !(demand.migSlice in offeredSlices)),
    );
    if (everywhere.length > 0) {
      return reported.map((field) => ({
        path: at(field),
        message: `fits on no node of the inventory: ${describeBest(field, demand, nodes)}`,
      }));
    }
    // No single field fails everywhere: point at the one that fails on the most nodes.
    const order: DemandField[] = ["gpu.count", "gpu.migSlice", "memory.guarantee", "cpu.guarantee"];
    const failingOn = (field: DemandField) =>
      perNode.filter((entry) => entry.missing.some((missing) => missing.field === field)).length;
    const field = order.reduce((best, candidate) =>
      failingOn(candidate) > failingOn(best) ? candidate : best,
    );
    const reasons = perNode.map(
      (entry) => `${entry.node.name}: ${entry.missing.map((missing) => missing.why).join(", ")}`,
    );
    return [
      {
        path: at(field),
        message: `fits on no node of the inventory: no node has all it needs (${listNodes(reasons)})`,
      },
    ];
  });
}

/** What the best node offers for one field, for a message about a demand no node meets. */
function describeBest(field: DemandField, demand: ProfileDemand, nodes: readonly NodeCapacity[]): string {
  const largest = (value: (node: NodeCapacity) => number) =>
    nodes.reduce((best, node) => (value(node) > value(best) ? node : best), nodes[0] as NodeCapacity);
  if (field === "cpu.guarantee") {
    const node = largest((candidate) => candidate.cpu);
    return `it guarantees ${formatCores(demand.cpuGuarantee)} CPU and the largest node has ${formatCores(node.cpu)} (${node.name})`;
  }
  if (field === "memory.guarantee") {
    const node = largest((candidate) => candidate.memoryBytes);
    return `it guarantees ${formatBytes(demand.memoryGuaranteeBytes)} memory and the largest node has ${formatBytes(node.memoryBytes)} (${node.name})`;
  }
  if (field === "gpu.migSlice") {
    return `no node in MIG mode has a ${demand.migSlice} slice`;
  }
  const whole = nodes.filter((node) => !node.migMode);
  if (whole.length === 0) return `it asks for ${demand.gpus} full GPUs, and every GPU node is in MIG mode`;
  const node = largest((candidate) => (candidate.migMode ? -1 : candidate.wholeGpus));
  return node.wholeGpus === 0
    ? `it asks for ${demand.gpus} full GPUs, and no node outside MIG mode has a GPU`
    : `it asks for ${demand.gpus} full GPUs on one node, and the most any node outside MIG mode has is ${node.wholeGpus} (${node.name})`;
}

/**
 * A custom-image profile offers 1..maxGpus full GPUs on its form; each choice must fit some node
 * outside MIG mode together with the profile's CPU and memory.
 */
export function customImageGpusFitSomeNode(config: PlatformConfig): RuleIssue[] {
  const nodes = config.nodes.map(nodeCapacity);
  return config.profiles.flatMap((profile, index) => {
    const maxGpus = profile.customImage?.maxGpus ?? 0;
    if (maxGpus === 0 || profile.gpu) return [];
    const demand = { ...profileDemand(profile), gpus: maxGpus };
    if (nodes.some((node) => shortfalls(demand, node).length === 0)) return [];
    const fitting = nodes
      .filter((node) => !node.migMode)
      .filter((node) => shortfalls({ ...demand, gpus: 0 }, node).length === 0)
      .reduce((most, node) => Math.max(most, node.wholeGpus), 0);
    return [
      {
        path: ["profiles", index, "customImage", "maxGpus"],
        message:
          fitting === 0
            ? `no node can run a custom image with ${maxGpus} GPUs: no node outside MIG mode has a GPU and room for this profile's CPU and memory; write 0`
            : `no node can run a custom image with ${maxGpus} GPUs: the most any node outside MIG mode offers with this profile's CPU and memory is ${fitting}; write at most ${fitting}`,
      },
    ];
  });
}

export function migSliceExistsInSomeLayout(config: PlatformConfig): RuleIssue[] {
  const offered = Object.keys(inventoryMigSlices(config));
  return config.profiles.flatMap((profile, index) => {
    const slice = profile.gpu?.migSlice;
    if (!slice || offered.includes(slice)) return [];
    const list = offered.length > 0 ? offered.join(", ") : "none: no node is in MIG mode";
    return [
      {
        path: ["profiles", index, "gpu", "migSlice"],
        message: `no node's MIG layout has a "${slice}" slice (offered: ${list})`,
      },
    ];
  });
}

export function quotaAdmitsEveryProfile(config: PlatformConfig): RuleIssue[] {
  const quota = config.quota;
  const cpu = quantityValue(quota.requestsCpu);
  const memory = quantityValue(quota.requestsMemory);
  const offeredSlices = inventoryMigSlices(config);
  const sliceQuota = migSliceQuota(config);
  const issues: RuleIssue[] = [];
  config.profiles.forEach((profile, index) => {
    const demand = profileDemand(profile);
    const at = (...rest: string[]) => ["profiles", index, ...rest];
    if (demand.cpuGuarantee > cpu) {
      issues.push({
        path: at("cpu", "guarantee"),
        message: `${profile.cpu.guarantee} CPU exceeds the namespace quota quota.requestsCpu (${quota.requestsCpu})`,
      });
    }
    if (demand.memoryGuaranteeBytes > memory) {
      issues.push({
        path: at("memory", "guarantee"),
        message: `${profile.memory.guarantee} exceeds the namespace quota quota.requestsMemory (${quota.requestsMemory})`,
      });
    }
    const gpus = Math.max(demand.gpus, profile.customImage?.maxGpus ?? 0);
    if (gpus > quota.gpus) {
      issues.push({
        path: demand.gpus > 0 ? at("gpu", "count") : at("customImage", "maxGpus"),
        message: `${gpus} GPUs exceed the namespace quota quota.gpus (${quota.gpus})`,
      });
    }
    // A slice no node offers is reported by migSliceExistsInSomeLayout; one the quota leaves out
    // is allowed as many as the inventory offers (migSliceQuota).
    const slice = demand.migSlice;
    if (slice && slice in offeredSlices && (sliceQuota[slice] ?? 0) < 1) {
      issues.push({
        path: at("gpu", "migSlice"),
        message: `the namespace quota quota.migSlices allows no ${slice} slice`,
      });
    }
  });
  return issues;
}

export function quotaSlicesExist(config: PlatformConfig): RuleIssue[] {
  const offered = inventoryMigSlices(config);
  return Object.keys(config.quota.migSlices ?? {}).flatMap((slice) =>
    slice in offered
      ? []
      : [
          {
            path: ["quota", "migSlices", slice],
            message: `no node offers a "${slice}" slice to put a quota on`,
          },
        ],
  );
}

export function resourceRequestsWithinLimits(config: PlatformConfig): RuleIssue[] {
  const parts = {
    hub: config.hub.resources,
    proxy: config.proxy.resources,
    userScheduler: config.userScheduler.resources,
    ...(config.database.type === "postgres" ? { database: config.database.resources } : {}),
  };
  return Object.entries(parts).flatMap(([part, resources]) =>
    (["cpu", "memory"] as const).flatMap((kind) =>
      quantityValue(resources[kind].request) > quantityValue(resources[kind].limit)
        ? [
            {
              path: [part, "resources", kind, "request"],
              message: `'${kind}.request' (${resources[kind].request}) must not exceed '${kind}.limit' (${resources[kind].limit})`,
            },
          ]
        : [],
    ),
  );
}
