/**
 * NFS storage: the provisioner in its own baseline namespace, a StorageClass that keeps user data
 * when a claim is deleted, and the read-only datasets volume, both kept by `pulumi destroy`.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  NFS_PROVISIONER_CLUSTER_RULES,
  NFS_PROVISIONER_LEADER_RULES,
} from "../../components/cluster/nfs-storage-spec";
import type { CollectedResource } from "../../render/collect";
import { editableProdConfig, prodConfig } from "../helpers";
import { type K8sObject, podSpec, type Rendered, render } from "./render-helpers";

function resourceOf(rendered: Rendered, object: K8sObject): CollectedResource {
  const found = rendered.resources.find((resource) => resource.inputs === object);
  assert.ok(found, `${object.kind}/${object.metadata.name} was registered`);
  return found;
}

let prod: Rendered;
before(async () => {
  prod = await render(prodConfig());
});

describe("NFS storage", () => {
  test("the provisioner: its own namespace (baseline), service account, RBAC as upstream", () => {
    const namespace = prod.get("Namespace", "nfs-provisioner");
    assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "baseline");
    const account = prod.get("ServiceAccount", "nfs-subdir-external-provisioner");
    assert.equal(account.metadata.namespace, "nfs-provisioner");
    assert.deepEqual(
      prod.get("ClusterRole", "nfs-subdir-external-provisioner-runner").rules,
      NFS_PROVISIONER_CLUSTER_RULES,
    );
    const binding = prod.get("ClusterRoleBinding", "nfs-subdir-external-provisioner-runner");
    assert.equal(binding.roleRef.name, "nfs-subdir-external-provisioner-runner");
    assert.deepEqual(binding.subjects, [
      { kind: "ServiceAccount", name: "nfs-subdir-external-provisioner", namespace: "nfs-provisioner" },
    ]);
    const leader = prod.get("Role", "leader-locking-nfs-subdir-external-provisioner");
    assert.equal(leader.metadata.namespace, "nfs-provisioner");
    assert.deepEqual(leader.rules, NFS_PROVISIONER_LEADER_RULES);
    assert.equal(
      prod.get("RoleBinding", "leader-locking-nfs-subdir-external-provisioner").subjects[0].name,
      account.metadata.name,
    );
  });

  test("the provisioner Deployment: pinned image, provisioner name, NFS server and path, the export mounted", () => {
    const deployment = prod.get("Deployment", "nfs-subdir-external-provisioner");
    assert.equal(deployment.metadata.namespace, "nfs-provisioner");
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(deployment.spec.strategy.type, "Recreate");
    const pod = podSpec(deployment);
    assert.equal(pod.serviceAccountName, "nfs-subdir-external-provisioner");
    const [container] = pod.containers;
    assert.equal(container.image, "registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2");
    assert.deepEqual(container.env, [
      { name: "PROVISIONER_NAME", value: "k8s-sigs.io/nfs-subdir-external-provisioner" },
      // prod leaves the server unset (needed only for `pulumi up`): a placeholder, never a guess
      { name: "NFS_SERVER", value: "nfs-server-not-set" },
      { name: "NFS_PATH", value: "/export/jupyterhub" },
    ]);
    assert.deepEqual(container.volumeMounts, [{ name: "nfs-client-root", mountPath: "/persistentvolumes" }]);
    assert.deepEqual(pod.volumes, [
      { name: "nfs-client-root", nfs: { server: "nfs-server-not-set", path: "/export/jupyterhub" } },
    ]);
  });

  test("the provisioner runs as root with no capability, no privilege escalation and a read-only root filesystem", () => {
    const pod = podSpec(prod.get("Deployment", "nfs-subdir-external-provisioner"));
    assert.deepEqual(pod.securityContext, { seccompProfile: { type: "RuntimeDefault" } });
    assert.deepEqual(pod.containers[0].securityContext, {
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    });
    // It writes only to the export, mounted read-write.
    assert.deepEqual(pod.containers[0].volumeMounts, [
      { name: "nfs-client-root", mountPath: "/persistentvolumes" },
    ]);
  });

  test("the StorageClass: our provisioner, Retain, the directory kept, expandable, kept by destroy", () => {
    const storageClass = prod.get("StorageClass", "nfs-client");
    assert.equal(storageClass.provisioner, "k8s-sigs.io/nfs-subdir-external-provisioner");
    assert.equal(storageClass.reclaimPolicy, "Retain");
    assert.deepEqual(storageClass.parameters, { onDelete: "retain", archiveOnDelete: "true" });
    assert.equal(storageClass.allowVolumeExpansion, true);
    assert.equal(resourceOf(prod, storageClass).options.retainOnDelete, true);
    assert.equal(resourceOf(prod, storageClass).options.protect, false, "destroy completes by default");
  });

  test("StorageClass parameters follow storageClass.onDelete and reclaimPolicy", async () => {
    const cases = [
      ["archive", "Delete", { archiveOnDelete: "true" }],
      ["delete", "Delete", { onDelete: "delete", archiveOnDelete: "false" }],
    ] as const;
    for (const [onDelete, reclaimPolicy, parameters] of cases) {
      const config = editableProdConfig();
      Object.assign(config.storage.storageClass, { onDelete, reclaimPolicy, protect: false });
      const storageClass = (await render(config)).get("StorageClass", "nfs-client");
      assert.deepEqual(storageClass.parameters, parameters, onDelete);
      assert.equal(storageClass.reclaimPolicy, reclaimPolicy);
    }
  });

  test("datasets: a read-only NFS volume bound to one claim in the hub's namespace, both kept by destroy", () => {
    const volume = prod.get("PersistentVolume", "shared-datasets");
    assert.deepEqual(volume.spec, {
      capacity: { storage: "1Ti" },
      accessModes: ["ReadOnlyMany"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      nfs: { server: "nfs-server-not-set", path: "/export/datasets", readOnly: true },
      claimRef: { namespace: "jupyterhub", name: "shared-datasets" },
    });
    const claim = prod.get("PersistentVolumeClaim", "shared-datasets");
    assert.equal(claim.metadata.namespace, "jupyterhub");
    assert.deepEqual(claim.spec, {
      accessModes: ["ReadOnlyMany"],
      storageClassName: "",
      volumeName: "shared-datasets",
      resources: { requests: { storage: "1Ti" } },
    });
    assert.equal(resourceOf(prod, volume).options.retainOnDelete, true);
    assert.equal(resourceOf(prod, claim).options.retainOnDelete, true);
    const settings = JSON.parse(prod.get("ConfigMap", "hub").data["settings.json"]);
    assert.ok(
      settings.spawner.volumes.some(
        (volume: { persistentVolumeClaim?: { claimName: string } }) =>
          volume.persistentVolumeClaim?.claimName === "shared-datasets",
      ),
      "user pods mount the claim by this name",
    );
  });

  test("with the server set, the provisioner and the datasets use it; datasets may name their own server", async () => {
    const config = editableProdConfig();
    (config.storage.nfs as { server?: string }).server = "10.21.0.40";
    let rendered = await render(config);
    assert.equal(
      podSpec(rendered.get("Deployment", "nfs-subdir-external-provisioner")).volumes[0].nfs.server,
      "10.21.0.40",
    );
    assert.equal(rendered.get("PersistentVolume", "shared-datasets").spec.nfs.server, "10.21.0.40");
    (config.storage.datasets as { server?: string }).server = "10.21.0.41";
    rendered = await render(config);
    assert.equal(rendered.get("PersistentVolume", "shared-datasets").spec.nfs.server, "10.21.0.41");
    assert.ok(!JSON.stringify(rendered.objects).includes("nfs-server-not-set"));
  });

  test("protection (destroy stops) follows the config, and datasets can be switched off", async () => {
    const config = editableProdConfig();
    (config.storage.storageClass as { protect: boolean }).protect = true;
    (config.storage.datasets as { protect: boolean }).protect = true;
    let rendered = await render(config);
    assert.equal(resourceOf(rendered, rendered.get("StorageClass", "nfs-client")).options.protect, true);
    assert.equal(
      resourceOf(rendered, rendered.get("PersistentVolume", "shared-datasets")).options.protect,
      true,
    );
    (config.storage.datasets as { enabled: boolean }).enabled = false;
    config.backup.enabled = false; // its own read-only volumes of the exports (cluster-backup.test.ts)
    rendered = await render(config);
    assert.equal(rendered.all("PersistentVolume").length, 0);
    assert.equal(rendered.all("PersistentVolumeClaim").length, 0);
  });
});
