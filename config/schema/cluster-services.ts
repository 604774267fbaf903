/** Cluster services the hub depends on: GPU Operator, quotas, network rules. */
import { z } from "zod";
import { cidr, cpuQuantity, dnsLabel, memoryQuantity, port, storageQuantity } from "./common";

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

export const egressRuleSchema = z.strictObject({
  name: dnsLabel.describe("What the exception is for, e.g. pypi-mirror."),
  cidr: cidr,
  ports: z
    .array(z.strictObject({ port: port, protocol: z.enum(["TCP", "UDP"]).default("TCP") }))
    .min(1)
    .describe("Ports allowed to that range."),
  from: z
    .array(z.enum(["hub", "proxy", "singleuser"]))
    .min(1)
    .default(["singleuser"])
    .describe("Which pods may use the exception."),
});

export const networkSchema = z
  .strictObject({
    publicInternet: z
      .boolean()
      .default(true)
      .describe("User pods may reach public addresses (pip install); private ranges stay closed."),
    kubernetesApi: z
      .array(cidr)
      .default([])
      .describe("Address(es) of the Kubernetes API server, which the hub and user scheduler reach."),
    oauthProvider: z.array(cidr).default([]).describe("Address(es) of the identity provider the hub calls."),
    egress: z.array(egressRuleSchema).default([]).describe("More destinations in private ranges to open."),
  })
  .prefault({});

export const priorityClassesSchema = z
  .strictObject({
    platform: z.number().int().default(1000000),
    users: z.number().int().default(0),
  })
  .prefault({});
