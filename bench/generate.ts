/** A large synthetic config (many profiles and nodes) for benchmarks: text in, as course staff would write it. */
import type { TextFile } from "../config/load";

export function generatedStack(nodeCount: number): TextFile {
  const nodes = Array.from({ length: nodeCount }, (_, index) => {
    const mig =
      index % 10 === 0
        ? "\n      mig:\n        layout:\n          - gpus: [0]\n            slices: { 1g.5gb: 7 }\n          - gpus: [1]\n            slices: { 2g.10gb: 3, 1g.5gb: 1 }"
        : "";
    return `    - name: gpu-node-${index}\n      cpu: "64"\n      memory: 256Gi\n      gpu: { model: A100-40GB, count: 2 }${mig}`;
  });
  const text = `config:
  gpu-jupyterhub:ingress:
    host: hub.example.org
  gpu-jupyterhub:auth:
    oauth:
      clientId: hub
      authorizeUrl: https://idp.example.org/authorize/
      tokenUrl: https://idp.example.org/token/
      userdataUrl: https://idp.example.org/userinfo/
    groups:
      admin: [admins]
      allowed: [students, gpu-users]
      gpu: [gpu-users]
  gpu-jupyterhub:nodes:
${nodes.join("\n")}
  gpu-jupyterhub:storage:
    nfs:
      server: 192.0.2.10
      path: /export/homes
  gpu-jupyterhub:quota:
    requestsCpu: "${nodeCount * 64}"
    requestsMemory: ${nodeCount * 256}Gi
    gpus: ${nodeCount * 2}
    persistentVolumeClaims: 5000
`;
  return { file: `Pulumi.generated-${nodeCount}.yaml`, text };
}

export function generatedProfiles(count: number): TextFile[] {
  return Array.from({ length: count }, (_, index) => {
    const kind = index % 4;
    const gpu = kind === 1 ? "gpu: { count: 1 }\n" : kind === 2 ? "gpu: { migSlice: 1g.5gb }\n" : "";
    const groups = kind === 1 || kind === 2 ? "[gpu-users]" : "[students, gpu-users]";
    const text = `slug: course-${index}
displayName: Course ${index}
description: Generated profile ${index}
image: quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06
cpu: { guarantee: "${1 + (index % 4)}", limit: "${2 + (index % 4) * 2}" }
memory: { guarantee: ${1 + (index % 8)}Gi, limit: ${2 + (index % 8) * 2}Gi }
${gpu}groups: ${groups}
default: ${index === 0}
order: ${index}
idleTimeout: 1800
maxRuntime: 28800
`;
    return { file: `profiles/course-${index}.yaml`, text };
  });
}
