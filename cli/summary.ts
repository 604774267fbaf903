/** The one-screen summary `npm run validate` prints: profiles, who may use them, the node inventory. */
import { gpuResourceName, migLayoutName, nodeCapacity, profileDemand } from "../config/derived";
import { formatBytes, formatCores } from "../config/quantity";
import type { PlatformConfig } from "../config/schema/platform";

export function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function summarize(config: PlatformConfig, stack: string): string {
  const admins = config.auth.groups.admin;
  const profiles = [...config.profiles].sort((a, b) => a.order - b.order);
  const profileRows = profiles.map((profile) => {
    const demand = profileDemand(profile);
    const gpu = profile.gpu?.migSlice
      ? `MIG ${profile.gpu.migSlice}`
      : profile.gpu?.count
        ? `${profile.gpu.count}× GPU`
        : profile.customImage
          ? `0–${profile.customImage.maxGpus} GPU`
          : "—";
    return [
      `${profile.slug}${profile.default ? " *" : ""}`,
      gpu,
      `${formatCores(demand.cpuGuarantee)}/${formatCores(demand.cpuLimit)}`,
      `${formatBytes(demand.memoryGuaranteeBytes)}/${formatBytes(demand.memoryLimitBytes)}`,
      [...new Set([...profile.groups, ...admins])].join(", "),
    ];
  });
  const nodeRows = config.nodes.map((node) => {
    const capacity = nodeCapacity(node);
    const slices = Object.entries(capacity.migSlices).map(([slice, count]) => `${count}× ${slice}`);
    return [
      node.name,
      formatCores(capacity.cpu),
      formatBytes(capacity.memoryBytes),
      node.gpu ? `${node.gpu.count}× ${node.gpu.model}` : "—",
      node.mig
        ? `MIG ${migLayoutName(node)}: ${slices.join(", ")}${capacity.wholeGpus ? `, ${capacity.wholeGpus} whole` : ""}`
        : "whole GPUs",
    ];
  });
  const gpuProfiles = profiles.filter((profile) => gpuResourceName(profile)).length;
  return [
    `Stack "${stack}": https://${config.ingress.host} (namespace ${config.cluster.namespace}, Kubernetes ${config.cluster.kubernetesVersion})`,
    `Sign-in: ${config.auth.groups.allowed.join(", ")}; admins: ${admins.join(", ")}; GPU: ${config.auth.groups.gpu.join(", ") || "admins only"}`,
    "",
    `Profiles (${profiles.length}, ${gpuProfiles} with GPUs; * = default; CPU and memory as guarantee/limit):`,
    table([["slug", "GPU", "CPU", "memory", "who may use it"], ...profileRows]),
    "",
    `Nodes (${config.nodes.length}):`,
    table([["node", "CPU", "memory", "GPUs", "GPU mode"], ...nodeRows]),
    "",
    `Quota: ${config.quota.requestsCpu} CPU, ${config.quota.requestsMemory} memory, ${config.quota.gpus} GPUs, ${config.quota.persistentVolumeClaims} claims.`,
  ].join("\n");
}
