/**
 * The user scheduler's KubeSchedulerConfiguration: z2jh's packing profile (NodeResourcesFit with
 * MostAllocated), so users fill nodes one by one and whole nodes (and pairs of GPUs) stay free.
 * We add the GPU resources to the scoring so that GPU pods pack too.
 */
import { stringify } from "yaml";
import { FULL_GPU_RESOURCE, inventoryMigSlices, migResourceName } from "../../config/derived";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES } from "../names";

export function userSchedulerConfig(config: Pick<PlatformConfig, "userScheduler" | "nodes">): string {
  const gpuResources = [
    FULL_GPU_RESOURCE,
    ...Object.keys(inventoryMigSlices(config)).map(migResourceName),
  ].map((name) => ({ name, weight: 1 }));
  return stringify({
    apiVersion: "kubescheduler.config.k8s.io/v1",
    kind: "KubeSchedulerConfiguration",
    leaderElection: {
      leaderElect: true,
      resourceLock: "leases",
      resourceName: NAMES.userSchedulerLock,
      resourceNamespace: config.userScheduler.namespace,
    },
    profiles: [
      {
        schedulerName: config.userScheduler.schedulerName,
        plugins: {
          score: {
            disabled: [
              { name: "NodeResourcesBalancedAllocation" },
              { name: "NodeAffinity" },
              { name: "InterPodAffinity" },
              { name: "NodeResourcesFit" },
              { name: "ImageLocality" },
            ],
            enabled: [
              { name: "NodeAffinity", weight: 14631 },
              { name: "InterPodAffinity", weight: 1331 },
              { name: "NodeResourcesFit", weight: 121 },
              { name: "ImageLocality", weight: 11 },
            ],
          },
        },
        pluginConfig: [
          {
            name: "NodeResourcesFit",
            args: {
              scoringStrategy: {
                type: "MostAllocated",
                resources: [{ name: "cpu", weight: 1 }, { name: "memory", weight: 1 }, ...gpuResources],
              },
            },
          },
        ],
      },
    ],
  });
}
