/**
 * NFS storage: nfs-subdir-external-provisioner in its own namespace, the StorageClass the users'
 * home claims use, and the read-only shared datasets volume in the hub's namespace; assembled from
 * nfs-storage-spec.ts.
 *
 * User data must outlive a deleted claim and `pulumi destroy`. Three things see to it:
 * - the StorageClass's reclaimPolicy (default Retain): a deleted claim leaves its volume
 *   Released and the directory untouched;
 * - its onDelete/archiveOnDelete parameters, for when Delete is chosen (nfs-settings.ts);
 * - `retainOnDelete` on the StorageClass and the datasets volume and claim: `pulumi destroy` leaves
 *   them and the next `pulumi up` adopts them; `protect` (storage.storageClass.protect,
 *   storage.datasets.protect) makes destroy stop at them instead (docs/operations.md, Decisions).
 * The home claims themselves are KubeSpawner's, never Pulumi's, so no Pulumi operation deletes them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES } from "../names";
import { serviceAccountWithRoles } from "../service-account";
import { podSecurityNamespace } from "./namespace";
import { networkPolicy } from "./network-policies";
import { nfsProvisionerPolicyRules } from "./network-policy-rules";
import {
  datasetsClaim,
  datasetsVolume,
  nfsProvisionerDeployment,
  nfsProvisionerGrants,
  nfsStorageClass,
  provisionerMeta,
} from "./nfs-storage-spec";

export interface NfsStorageArgs {
  readonly config: Pick<PlatformConfig, "storage" | "network">;
  /** The hub's namespace, where the datasets claim lives beside the user pods that mount it. */
  readonly hubNamespace: pulumi.Input<string>;
}

export class NfsStorage extends pulumi.ComponentResource {
  readonly storageClassName: pulumi.Output<string>;

  constructor(name: string, args: NfsStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:cluster:NfsStorage", name, {}, opts);
    const child = { parent: this };
    const { config, hubNamespace } = args;
    const { storage } = config;

    // The provisioner runs as root (runAsUser 0) to manage the claim directories on the export and
    // mounts it as an inline nfs volume: both fail "restricted" (nfs-storage-spec.ts,
    // PROVISIONER_SECURITY), so the namespace enforces baseline (no privilege, no host access).
    const namespace = podSecurityNamespace(
      `${name}-namespace`,
      storage.provisionerNamespace,
      "baseline",
      child,
      "baseline",
    ).metadata.name;
    const account = serviceAccountWithRoles(
      name,
      provisionerMeta(NAMES.nfsProvisioner, namespace),
      nfsProvisionerGrants(name, namespace),
      child,
    );
    for (const rules of nfsProvisionerPolicyRules(config)) {
      networkPolicy(`${name}-netpol-${rules.name}`, rules, namespace, child);
    }
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      nfsProvisionerDeployment(namespace, config, account.metadata.name),
      child,
    );

    const storageClass = new k8s.storage.v1.StorageClass(`${name}-class`, nfsStorageClass(storage), {
      parent: this,
      retainOnDelete: true,
      protect: storage.storageClass.protect,
    });
    if (storage.datasets.enabled) {
      const keep = { parent: this, retainOnDelete: true, protect: storage.datasets.protect };
      const volume = new k8s.core.v1.PersistentVolume(
        `${name}-datasets`,
        datasetsVolume(config, hubNamespace),
        keep,
      );
      const claim = datasetsClaim(storage.datasets, hubNamespace, volume.metadata.name);
      new k8s.core.v1.PersistentVolumeClaim(`${name}-datasets-claim`, claim, keep);
    }

    this.storageClassName = storageClass.metadata.name;
    this.registerOutputs({ storageClassName: this.storageClassName });
  }
}
