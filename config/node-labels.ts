/**
 * The labels a node of the inventory carries once the GPU Operator runs on it: what GPU feature
 * discovery advertises, plus what Pulumi sets (the MIG layout, the node's own labels). The
 * capacity planner matches pods against these, and the simulated cluster gives them to its nodes.
 */
import { migLayoutName } from "./derived";
import { type GpuModelName, gpuModel } from "./mig";
import type { NodeSpec } from "./schema/nodes";

export function expectedNodeLabels(node: NodeSpec): Record<string, string> {
  const labels: Record<string, string> = { "kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux" };
  if (node.gpu) {
    const model = gpuModel(node.gpu.model as GpuModelName);
    Object.assign(labels, {
      "nvidia.com/gpu.present": "true",
      "nvidia.com/gpu.count": String(node.gpu.count),
      "nvidia.com/gpu.product": model.product,
      "nvidia.com/gpu.memory": String(model.memoryGiB * 1024),
      // Feature discovery reports MIG support of the hardware, not whether MIG is on (docs/config.md).
      "nvidia.com/mig.capable": String(model.migSlices !== undefined),
      "nvidia.com/mig.strategy": "mixed",
      // The operator labels MIG-capable nodes without a layout "all-disabled"; Pulumi sets ours.
      ...(model.migSlices ? { "nvidia.com/mig.config": migLayoutName(node) ?? "all-disabled" } : {}),
    });
  }
  return { ...labels, ...node.labels };
}
