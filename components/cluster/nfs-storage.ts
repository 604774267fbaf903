/**
 * NFS storage: nfs-subdir-external-provisioner in its own namespace, the StorageClass the users'
 * home claims use, and the read-only shared datasets volume in the hub's namespace.
 *
 * User data must outlive a deleted claim and `pulumi destroy`. Three things see to it:
 * - the StorageClass's reclaimPolicy (default Retain): a deleted claim leaves its volume
 *   Released and the directory untouched;
 * - its onDelete/archiveOnDelete parameters, for when Delete is chosen (nfs-settings.ts);
 * - Pulumi `protect` on the StorageClass and the datasets volume and claim: `pulumi destroy`
 *   stops and names them instead of removing them. We chose `protect` over `retainOnDelete`
 *   because a retained object makes the next `pulumi up` fail with "already exists", while a
 *   protected one states the intent in the plan and needs a deliberate `pulumi state unprotect`.
 * The home claims themselves are KubeSpawner's, never Pulumi's, so no Pulumi operation deletes them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES, NFS_PROVISIONER_NAME, PLATFORM_LABELS, PRIORITY_CLASSES, selectorLabels } from "../names";
import { containerResources, objectMeta } from "../pod-defaults";
import { podSecurityNamespace } from "./namespace";
import { networkPolicy } from "./network-policies";
import { nfsProvisionerPolicyRules } from "./network-policy-rules";
import { datasetsNfsServer, homeNfsServer, storageClassParameters } from "./nfs-settings";

export interface NfsStorageArgs {
  readonly config: PlatformConfig;
  /** The hub's namespace, where the datasets claim lives beside the user pods that mount it. */
  readonly hubNamespace: pulumi.Input<string>;
}

/** The provisioner's ClusterRole, as upstream's deploy/rbac.yaml: PVs, claims, classes, events. */
export const NFS_PROVISIONER_CLUSTER_RULES = [
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create", "delete"] },
  { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "watch", "update"] },
  { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["events"], verbs: ["create", "update", "patch"] },
];

/** Leader election of sig-storage-lib-external-provisioner v6 locks on Endpoints, not Leases. */
export const NFS_PROVISIONER_LEADER_RULES = [
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
/** Where the provisioner mounts the export; its directory names are relative to it. */
const PROVISIONER_ROOT = "/persistentvolumes";

export class NfsStorage extends pulumi.ComponentResource {
  readonly storageClassName: pulumi.Output<string>;

  constructor(name: string, args: NfsStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:cluster:NfsStorage", name, {}, opts);
    const child = { parent: this };
    const { config, hubNamespace } = args;
    const { storage } = config;

    // The provisioner runs as root to create the claim directories on the export: that fails
    // "restricted", so the namespace enforces baseline (no privilege, no host access).
    const namespaceResource = podSecurityNamespace(
      `${name}-namespace`,
      storage.provisionerNamespace,
      "baseline",
      child,
      "baseline",
    );
    const namespace = namespaceResource.metadata.name;
    const meta = (resourceName: string) =>
      objectMeta(resourceName, namespace, "nfs-provisioner", {
        "app.kubernetes.io/name": NAMES.nfsProvisioner,
      });

    const account = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: meta(NAMES.nfsProvisioner) },
      child,
    );
    const subject = { kind: "ServiceAccount", name: account.metadata.name, namespace };
    const clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-runner`,
      {
        metadata: { ...meta(NAMES.nfsProvisionerRunner), namespace: undefined },
        rules: NFS_PROVISIONER_CLUSTER_RULES,
      },
      child,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-runner`,
      {
        metadata: { ...meta(NAMES.nfsProvisionerRunner), namespace: undefined },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: clusterRole.metadata.name,
        },
        subjects: [subject],
      },
      child,
    );
    const leaderRole = new k8s.rbac.v1.Role(
      `${name}-leader-locking`,
      { metadata: meta(NAMES.nfsProvisionerLeaderLock), rules: NFS_PROVISIONER_LEADER_RULES },
      child,
    );
    new k8s.rbac.v1.RoleBinding(
      `${name}-leader-locking`,
      {
        metadata: meta(NAMES.nfsProvisionerLeaderLock),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaderRole.metadata.name },
        subjects: [subject],
      },
      child,
    );

    for (const rules of nfsProvisionerPolicyRules(config)) {
      networkPolicy(`${name}-netpol-${rules.name}`, rules, namespace, child);
    }

    const server = homeNfsServer(config);
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta(NAMES.nfsProvisioner),
        spec: {
          replicas: 1,
          // Two provisioners during a rollout would race for the same claims; one at a time.
          strategy: { type: "Recreate" },
          selector: { matchLabels: selectorLabels("nfs-provisioner") },
          template: {
            metadata: { labels: meta(NAMES.nfsProvisioner).labels },
            spec: {
              serviceAccountName: account.metadata.name,
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
                  securityContext: { allowPrivilegeEscalation: false },
                  volumeMounts: [{ name: "nfs-client-root", mountPath: PROVISIONER_ROOT }],
                },
              ],
              volumes: [{ name: "nfs-client-root", nfs: { server, path: storage.nfs.path } }],
            },
          },
        },
      },
      child,
    );

    const storageClass = new k8s.storage.v1.StorageClass(
      `${name}-class`,
      {
        metadata: { name: storage.storageClass.name, labels: { ...PLATFORM_LABELS } },
        provisioner: NFS_PROVISIONER_NAME,
        reclaimPolicy: storage.storageClass.reclaimPolicy,
        volumeBindingMode: "Immediate",
        // Only the object's size changes: NFS enforces no per-directory quota (research §5).
        allowVolumeExpansion: true,
        parameters: storageClassParameters(storage.storageClass.onDelete),
      },
      { parent: this, retainOnDelete: true, protect: storage.storageClass.protect },
    );

    if (storage.datasets.enabled) {
      const datasets = storage.datasets;
      const keep = { parent: this, retainOnDelete: true, protect: datasets.protect };
      // A static volume bound to exactly one claim (claimRef both ways), outside any StorageClass,
      // so no provisioner ever manages or deletes it; Retain keeps Kubernetes off the data too.
      const volume = new k8s.core.v1.PersistentVolume(
        `${name}-datasets`,
        {
          metadata: { name: NAMES.datasetsVolume, labels: { ...PLATFORM_LABELS } },
          spec: {
            capacity: { storage: datasets.size },
            accessModes: ["ReadOnlyMany"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: "",
            nfs: { server: datasetsNfsServer(config), path: datasets.path, readOnly: true },
            claimRef: { namespace: hubNamespace, name: NAMES.datasetsVolume },
          },
        },
        keep,
      );
      new k8s.core.v1.PersistentVolumeClaim(
        `${name}-datasets-claim`,
        {
          metadata: { name: NAMES.datasetsVolume, namespace: hubNamespace, labels: { ...PLATFORM_LABELS } },
          spec: {
            accessModes: ["ReadOnlyMany"],
            storageClassName: "",
            volumeName: volume.metadata.name,
            resources: { requests: { storage: datasets.size } },
          },
        },
        keep,
      );
    }

    this.storageClassName = storageClass.metadata.name;
    this.registerOutputs({ storageClassName: this.storageClassName });
  }
}
