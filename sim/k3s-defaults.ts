/**
 * What a k3s server brings that a bare kube-apiserver does not, and the stack relies on:
 * - RuntimeClass `nvidia` (k3s's manifests/runtimes.yaml; the stack does not create it, see
 *   components/cluster/gpu-operator.ts). Without it the RuntimeClass admission plugin rejects every
 *   GPU pod ("RuntimeClass nvidia not found").
 * - the default StorageClass `local-path` (rancher.io/local-path, WaitForFirstConsumer), which
 *   the database's volumeClaimTemplate falls back to.
 * Both are served by sim/provisioner.ts in the simulated cluster.
 */
import type { PlatformConfig } from "../config/schema/platform";
import type { KubeClient } from "./kube-client";

export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";
const FIELD_MANAGER = "gpu-jupyterhub-sim-k3s";

export function k3sDefaultObjects(config: PlatformConfig) {
  return [
    {
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: { name: config.gpuOperator.runtimeClassName },
      handler: "nvidia",
    },
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: {
        name: "local-path",
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
      provisioner: LOCAL_PATH_PROVISIONER,
      reclaimPolicy: "Delete",
      volumeBindingMode: "WaitForFirstConsumer",
    },
  ] as const;
}

export async function createK3sDefaults(client: KubeClient, config: PlatformConfig): Promise<string[]> {
  const [runtimeClass, storageClass] = k3sDefaultObjects(config);
  await client.call(
    "PATCH",
    `/apis/node.k8s.io/v1/runtimeclasses/${runtimeClass.metadata.name}?fieldManager=${FIELD_MANAGER}&force=true`,
    runtimeClass,
    "application/apply-patch+yaml",
  );
  await client.call(
    "PATCH",
    `/apis/storage.k8s.io/v1/storageclasses/${storageClass.metadata.name}?fieldManager=${FIELD_MANAGER}&force=true`,
    storageClass,
    "application/apply-patch+yaml",
  );
  return [
    `RuntimeClass ${runtimeClass.metadata.name} (handler nvidia)`,
    `StorageClass ${storageClass.metadata.name} (default)`,
  ];
}
