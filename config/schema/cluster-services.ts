/** Cluster services the hub depends on: GPU Operator, quotas, priority classes (network rules: network.ts). */
import { z } from "zod";
import { cpuQuantity, dnsLabel, memoryQuantity, storageQuantity } from "./common";

export const gpuOperatorSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    namespace: dnsLabel.default("gpu-operator"),
    chart: z
      .strictObject({
        name: z.string().default("gpu-operator"),
        version: z
          .string()
          .regex(/^v?\d+\.\d+\.\d+$/, { message: 'must be a pinned chart version such as "v25.3.4"' })
          .default("v26.3.3"),
        repository: z.string().default("https://helm.ngc.nvidia.com/nvidia").describe("Helm repository URL."),
        localPath: z
          .string()
          .optional()
          .describe("A chart folder or .tgz on disk, for air-gapped installs; overrides the repository."),
      })
      .prefault({}),
    driver: z
      .enum(["host", "operator"])
      .default("host")
      .describe("host: the NVIDIA driver is installed on the nodes; operator: the operator installs it."),
    toolkit: z
      .strictObject({
        containerdConfig: z.string().default("/var/lib/rancher/k3s/agent/etc/containerd/config.toml"),
        containerdSocket: z.string().default("/run/k3s/containerd/containerd.sock"),
      })
      .prefault({})
      .describe("Where k3s keeps containerd's config and socket."),
    dcgmExporter: z.boolean().default(true),
    runtimeClassName: dnsLabel.default("nvidia"),
  })
  .prefault({});

export const quotaSchema = z
  .strictObject({
    requestsCpu: cpuQuantity.describe("Sum of CPU guarantees of all pods in the namespace."),
    requestsMemory: memoryQuantity,
    gpus: z.number().int().min(0).describe("Sum of nvidia.com/gpu requests."),
    migSlices: z
      .record(z.string(), z.number().int().min(0))
      .optional()
      .describe(
        "Per MIG slice, e.g. {1g.5gb: 8}. A slice not named here may use every instance the inventory offers.",
      ),
    persistentVolumeClaims: z.number().int().min(0),
    requestsStorage: storageQuantity.optional(),
  })
  .describe("The namespace's ResourceQuota: a ceiling on what all users together may hold.");

/** The network section has its own file; re-exported so platform.ts imports the sections from here. */
export { networkSchema } from "./network";

export const priorityClassesSchema = z
  .strictObject({
    platform: z.number().int().default(1000000),
    users: z.number().int().default(0),
  })
  .prefault({});
