/**
 * Fake kwok Nodes shaped like the stack's node inventory: the same names, the labels each node
 * carries once the GPU Operator runs (config/node-labels.ts), and the allocatable resources the
 * kubelet and the NVIDIA device plugin advertise for the configured MIG layout (config/derived.ts):
 * cpu, memory, pods, nvidia.com/gpu for GPUs outside MIG, nvidia.com/mig-<slice> per MIG instance.
 */
import { nodeCapacity } from "../config/derived";
import { expectedNodeLabels } from "../config/node-labels";
import type { NodeSpec } from "../config/schema/nodes";
import { KWOK_NODE_ANNOTATION } from "./control-plane";
import type { KubeClient } from "./kube-client";
import { waitFor } from "./wait";

/** Pods per node: above k3s's default of 110, so a node's pod count never hides a CPU or GPU limit. */
export const PODS_PER_NODE = 250;

/** What the node advertises (capacity = allocatable: no system reservations in the inventory). */
export function nodeResourceList(node: NodeSpec): Record<string, string> {
  const capacity = nodeCapacity(node);
  const resources: Record<string, string> = {
    cpu: node.cpu,
    memory: node.memory,
    pods: String(PODS_PER_NODE),
  };
  // Like capacity/demand.ts: a MIG node whose GPUs are all split advertises no whole GPU.
  if (capacity.wholeGpus > 0) resources["nvidia.com/gpu"] = String(capacity.wholeGpus);
  for (const [slice, count] of Object.entries(capacity.migSlices))
    resources[`nvidia.com/mig-${slice}`] = String(count);
  return resources;
}

export interface KubeNode {
  readonly apiVersion: "v1";
  readonly kind: "Node";
  readonly metadata: {
    readonly name: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  };
  readonly spec: Record<string, unknown>;
  readonly status: {
    readonly capacity: Record<string, string>;
    readonly allocatable: Record<string, string>;
    readonly nodeInfo: Record<string, string>;
  };
}

export function fakeNode(node: NodeSpec, kubeletVersion: string): KubeNode {
  const resources = nodeResourceList(node);
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      labels: { "kubernetes.io/arch": "amd64", ...expectedNodeLabels(node) },
      annotations: { "node.alpha.kubernetes.io/ttl": "0", [KWOK_NODE_ANNOTATION]: "fake" },
    },
    // No kwok taint: these nodes stand for the real workers, and the platform's pods carry no toleration.
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      nodeInfo: { architecture: "amd64", operatingSystem: "linux", kubeletVersion },
    },
  };
}

interface NodeState {
  metadata: { name: string };
  spec: { taints?: { key: string }[] };
  status: { conditions?: { type: string; status: string }[] };
}

/** Creates (or reshapes) the fake nodes and waits until each is Ready and untainted. */
export async function createNodes(
  client: KubeClient,
  nodes: readonly NodeSpec[],
  kubeletVersion: string,
): Promise<KubeNode[]> {
  const objects = nodes.map((node) => fakeNode(node, kubeletVersion));
  for (const object of objects) {
    const response = await client.request("POST", "/api/v1/nodes", object);
    if (response.status === 409) {
      const nodePath = `/api/v1/nodes/${object.metadata.name}`;
      await client.mergePatch(nodePath, { metadata: object.metadata });
      await client.call(
        "PATCH",
        `${nodePath}/status`,
        { status: object.status },
        "application/merge-patch+json",
      );
    } else if (response.status >= 300) {
      throw new Error(`creating node ${object.metadata.name}: ${JSON.stringify(response.body)}`);
    }
  }
  const names = new Set(objects.map((object) => object.metadata.name));
  await waitFor(
    `nodes ${[...names].join(", ")} Ready without the not-ready taint`,
    async () => {
      const ready = (await client.list<NodeState>("/api/v1/nodes")).filter(
        (node) =>
          names.has(node.metadata.name) &&
          node.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") &&
          !(node.spec.taints ?? []).some((taint) => taint.key.startsWith("node.kubernetes.io/")),
      );
      return ready.length === names.size;
    },
    { timeoutMs: 60_000 },
  );
  return objects;
}
