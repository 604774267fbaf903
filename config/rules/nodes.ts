/** Rules about the node inventory and its MIG layouts. */
import type { RuleIssue } from "../issues";
import { explainInvalidMix, type GpuModelName, gpuModel } from "../mig";
import { migLayoutName, NVIDIA_LABEL_PREFIX } from "../placement";
import type { PlatformConfig } from "../schema/platform";

export function uniqueNodeNames(config: PlatformConfig): RuleIssue[] {
  const seen = new Set<string>();
  return config.nodes.flatMap((node, index) => {
    if (!seen.has(node.name)) {
      seen.add(node.name);
      return [];
    }
    return [{ path: ["nodes", index, "name"], message: `node "${node.name}" is listed twice` }];
  });
}

export function migLayoutsFitTheGpus(config: PlatformConfig): RuleIssue[] {
  const issues: RuleIssue[] = [];
  config.nodes.forEach((node, nodeIndex) => {
    if (!node.mig) return;
    const at = (...rest: (string | number)[]) => ["nodes", nodeIndex, "mig", ...rest];
    if (!node.gpu) {
      issues.push({ path: at(), message: "a node with a MIG layout needs `gpu` (model and count)" });
      return;
    }
    const model = node.gpu.model as GpuModelName;
    if (!gpuModel(model).migSlices) {
      issues.push({ path: at(), message: `${model} does not support MIG; remove \`mig\` from this node` });
      return;
    }
    const claimed = new Map<number, number>();
    node.mig.layout.forEach((group, groupIndex) => {
      group.gpus.forEach((gpu, gpuPosition) => {
        if (gpu >= (node.gpu?.count ?? 0)) {
          issues.push({
            path: at("layout", groupIndex, "gpus", gpuPosition),
            message: `GPU index ${gpu} does not exist; the node has ${node.gpu?.count} GPUs (0..${(node.gpu?.count ?? 1) - 1})`,
          });
        }
        const earlier = claimed.get(gpu);
        if (earlier !== undefined) {
          issues.push({
            path: at("layout", groupIndex, "gpus", gpuPosition),
            message: `GPU ${gpu} is already split by layout entry ${earlier}; each GPU has one layout`,
          });
        }
        claimed.set(gpu, groupIndex);
      });
      const problem = explainInvalidMix(model, group.slices);
      if (problem) issues.push({ path: at("layout", groupIndex, "slices"), message: problem });
    });
    if (node.gpu.timeSlicing) {
      issues.push({
        path: ["nodes", nodeIndex, "gpu", "timeSlicing"],
        message: "time-slicing and MIG on the same node is not supported here; choose one",
      });
    }
  });
  return issues;
}

/** One name in the MIG manager's config must mean one layout, or nodes would get each other's. */
export function migLayoutNamesConsistent(config: PlatformConfig): RuleIssue[] {
  const byName = new Map<string, string>();
  return config.nodes.flatMap((node, index) => {
    const name = migLayoutName(node);
    if (!name || !node.mig) return [];
    const content = JSON.stringify(node.mig.layout);
    const earlier = byName.get(name);
    byName.set(name, earlier ?? content);
    return earlier !== undefined && earlier !== content
      ? [
          {
            path: ["nodes", index, "mig", "name"],
            message: `MIG layout "${name}" is defined differently on another node`,
          },
        ]
      : [];
  });
}

/**
 * `nodes[].labels` are extra labels; the GPU Operator's labels and the ones the platform derives
 * from `gpu` and `mig` (the MIG layout, the device plugin config) are not theirs to set, or the
 * node would carry one value and the pods' placement assume another.
 */
export function nodeLabelsLeaveGpuLabelsAlone(config: PlatformConfig): RuleIssue[] {
  return config.nodes.flatMap((node, index) =>
    Object.keys(node.labels)
      .filter((key) => key.startsWith(NVIDIA_LABEL_PREFIX))
      .map((key) => ({
        path: ["nodes", index, "labels", key],
        message: `"${key}" is set by the GPU Operator or derived from this node's gpu and mig; remove it from labels`,
      })),
  );
}
