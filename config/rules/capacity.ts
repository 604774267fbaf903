/** Rules that check profiles against what the cluster and the namespace quota can hold. */
import { nodeCapacity, profileDemand, quantityValue, whyProfileDoesNotFit } from "../derived";
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";

export function everyProfileFitsSomeNode(config: PlatformConfig): RuleIssue[] {
  const nodes = config.nodes.map(nodeCapacity);
  return config.profiles.flatMap((profile, index) => {
    const demand = profileDemand(profile);
    const reasons = nodes.map((node) => ({ node: node.name, why: whyProfileDoesNotFit(demand, node) }));
    if (reasons.some((reason) => reason.why === undefined)) return [];
    const summary = reasons.map((reason) => `${reason.node}: ${reason.why}`).join("; ");
    return [{ path: ["profiles", index], message: `fits on no node of the inventory (${summary})` }];
  });
}

export function migSliceExistsInSomeLayout(config: PlatformConfig): RuleIssue[] {
  const offered = new Set(config.nodes.flatMap((node) => Object.keys(nodeCapacity(node).migSlices)));
  return config.profiles.flatMap((profile, index) => {
    const slice = profile.gpu?.migSlice;
    if (!slice || offered.has(slice)) return [];
    const list = offered.size > 0 ? [...offered].join(", ") : "none: no node is in MIG mode";
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
        path: at(demand.gpus > 0 ? "gpu" : "customImage"),
        message: `${gpus} GPUs exceed the namespace quota quota.gpus (${quota.gpus})`,
      });
    }
    const slice = demand.migSlice;
    if (slice && quota.migSlices && (quota.migSlices[slice] ?? 0) < 1) {
      issues.push({
        path: at("gpu", "migSlice"),
        message: `the namespace quota quota.migSlices allows no ${slice} slice`,
      });
    }
  });
  return issues;
}

export function quotaSlicesExist(config: PlatformConfig): RuleIssue[] {
  const offered = new Set(config.nodes.flatMap((node) => Object.keys(nodeCapacity(node).migSlices)));
  return Object.keys(config.quota.migSlices ?? {}).flatMap((slice) =>
    offered.has(slice)
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
