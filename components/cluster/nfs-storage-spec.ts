/**
 * NFS storage as plain values: the provisioner's RBAC and Deployment (nfs-subdir-external-
 * provisioner, as upstream's deploy/), the StorageClass of the users' home claims, and the
 * read-only datasets volume with its claim. Pure; nfs-storage.ts makes them resources.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES, NFS_PROVISIONER_NAME, PLATFORM_LABELS, PRIORITY_CLASSES, selectorLabels } from "../names";
import { containerResources, objectMeta } from "../pod-defaults";
import type { Grant, PolicyRule } from "../rbac";
import { mountedVolume } from "../volumes";
import { datasetsNfsServer, homeNfsServer, storageClassParameters } from "./nfs-settings";

/** The provisioner's ClusterRole, as upstream's deploy/rbac.yaml: PVs, claims, classes, events. */
export const NFS_PROVISIONER_CLUSTER_RULES: PolicyRule[] = [
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create", "delete"] },
  { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "watch", "update"] },
  { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["events"], verbs: ["create", "update", "patch"] },
];

/** Leader election of sig-storage-lib-external-provisioner v6 locks on Endpoints, not Leases. */
export const NFS_PROVISIONER_LEADER_RULES: PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["endpoints"],
    verbs: ["get", "list", "watch", "create", "update", "patch"],
  },
];

const PROVISIONER_RESOURCES = {
  cpu: { request: "10m", limit: "200m" },
  memory: { request: "32Mi", limit: "128Mi" },
};
/**
 * As little as the provisioner needs. It runs as root (`runAsUser: 0`, which Pod Security
 * "restricted" refuses, as it refuses the inline `nfs` volume), so that on an export with
 * `no_root_squash` it may create, archive and delete the claims' directories whoever owns the
 * files in them. The NFS server, not the pod's capabilities, decides what root may do there (the
 * NFS client asks the server), so every capability is dropped. It writes only below the export
 * (PROVISIONER_ROOT) and logs to stderr, so its root filesystem is read-only. Upstream's chart
 * sets no security context at all.
 */
const PROVISIONER_SECURITY = {
  runAsUser: 0,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  readOnlyRootFilesystem: true,
};
/** Where the provisioner mounts the export; its directory names are relative to it. */
const PROVISIONER_ROOT = "/persistentvolumes";

/** The provisioner's objects carry its upstream name as app.kubernetes.io/name. */
export function provisionerMeta(name: string, namespace: pulumi.Input<string>) {
  return objectMeta(name, namespace, "nfs-provisioner", { "app.kubernetes.io/name": NAMES.nfsProvisioner });
}

/** The same for its cluster-scoped objects, which have no namespace. */
function clusterScopedMeta(name: string) {
  return objectMeta(name, undefined, "nfs-provisioner", { "app.kubernetes.io/name": NAMES.nfsProvisioner });
}

/** The runner ClusterRole and the leader-election Role of the provisioner's account. */
export function nfsProvisionerGrants(name: string, namespace: pulumi.Input<string>): Grant[] {
  return [
    {
      kind: "ClusterRole",
      metadata: clusterScopedMeta(NAMES.nfsProvisionerRunner),
      rules: NFS_PROVISIONER_CLUSTER_RULES,
      resourceNames: { role: `${name}-runner`, binding: `${name}-runner` },
    },
    {
      kind: "Role",
      metadata: provisionerMeta(NAMES.nfsProvisionerLeaderLock, namespace),
      rules: NFS_PROVISIONER_LEADER_RULES,
      resourceNames: { role: `${name}-leader-locking`, binding: `${name}-leader-locking` },
    },
  ];
}

/** The provisioner: one replica, the home export mounted where it makes the claims' directories. */
export function nfsProvisionerDeployment(
  namespace: pulumi.Input<string>,
  config: Pick<PlatformConfig, "storage">,
  serviceAccountName: pulumi.Input<string>,
) {
  const { storage } = config;
  const server = homeNfsServer(config);
  const root = mountedVolume(
    "nfs-client-root",
    { nfs: { server, path: storage.nfs.path } },
    { mountPath: PROVISIONER_ROOT },
  );
  const metadata = provisionerMeta(NAMES.nfsProvisioner, namespace);
  return {
    metadata,
    spec: {
      replicas: 1,
      // Two provisioners during a rollout would race for the same claims; one at a time.
      strategy: { type: "Recreate" },
      selector: { matchLabels: selectorLabels("nfs-provisioner") },
      template: {
        metadata: { labels: metadata.labels },
        spec: {
          serviceAccountName,
          priorityClassName: PRIORITY_CLASSES.platform,
          enableServiceLinks: false,
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "nfs-client-provisioner",
              image: storage.provisionerImage,
              env: [
                { name: "PROVISIONER_NAME", value: NFS_PROVISIONER_NAME },
                { name: "NFS_SERVER", value: server },
                { name: "NFS_PATH", value: storage.nfs.path },
              ],
              resources: containerResources(PROVISIONER_RESOURCES),
              securityContext: PROVISIONER_SECURITY,
              volumeMounts: [root.mount],
            },
          ],
          volumes: [root.volume],
        },
      },
    },
  };
}

/** The StorageClass of the users' home claims; reclaimPolicy and onDelete decide what a deleted claim leaves. */
export function nfsStorageClass(storage: PlatformConfig["storage"]) {
  return {
    metadata: { name: storage.storageClass.name, labels: { ...PLATFORM_LABELS } },
    provisioner: NFS_PROVISIONER_NAME,
    reclaimPolicy: storage.storageClass.reclaimPolicy,
    volumeBindingMode: "Immediate",
    // Only the object's size changes: NFS enforces no per-directory quota.
    allowVolumeExpansion: true,
    parameters: storageClassParameters(storage.storageClass.onDelete),
  };
}

/**
 * The datasets export as a static volume bound to exactly one claim (claimRef both ways), outside
 * any StorageClass, so no provisioner ever manages or deletes it; Retain keeps Kubernetes off the
 * data too.
 */
export function datasetsVolume(config: Pick<PlatformConfig, "storage">, hubNamespace: pulumi.Input<string>) {
  const { datasets } = config.storage;
  return {
    metadata: { name: NAMES.datasetsVolume, labels: { ...PLATFORM_LABELS } },
    spec: {
      capacity: { storage: datasets.size },
      accessModes: ["ReadOnlyMany"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      nfs: { server: datasetsNfsServer(config), path: datasets.path, readOnly: true },
      claimRef: { namespace: hubNamespace, name: NAMES.datasetsVolume },
    },
  };
}

/** The claim user pods mount the datasets through, in the hub's namespace. */
export function datasetsClaim(
  datasets: PlatformConfig["storage"]["datasets"],
  hubNamespace: pulumi.Input<string>,
  volumeName: pulumi.Input<string>,
) {
  return {
    metadata: { name: NAMES.datasetsVolume, namespace: hubNamespace, labels: { ...PLATFORM_LABELS } },
    spec: {
      accessModes: ["ReadOnlyMany"],
      storageClassName: "",
      volumeName,
      resources: { requests: { storage: datasets.size } },
    },
  };
}
