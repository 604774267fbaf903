/** The simulated cluster's pieces that need no cluster: apply order, fake nodes, KubeSpawner's merge, volumes. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { migLayoutName } from "../../config/derived";
import { applyRank } from "../../render/manifests";
import { readRendered } from "../../sim/apply";
import type { KubeClient } from "../../sim/kube-client";
import { fakeNode } from "../../sim/nodes";
import { type Claim, volumeFor } from "../../sim/provision";
import { verdictBeforeBinding } from "../../sim/spawn";
import { renderStack, simConfig } from "../../sim/stack";
import { recursiveUpdate } from "../../sim/user-pods";
import { baseConfig } from "../config/base";

describe("apply order of the rendered stack", () => {
  let dir = "";
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sim-render-"));
    await renderStack(simConfig("prod"), dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("objects of every file are ordered by kind across files; chart references are set apart", () => {
    const { objects, charts } = readRendered(dir);
    const ranks = objects.map((entry) => applyRank(entry.object.kind));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    const firstNamespaced = objects.findIndex((entry) => entry.object.metadata.namespace);
    const lastNamespace = objects.map((entry) => entry.object.kind).lastIndexOf("Namespace");
    assert.ok(lastNamespace < firstNamespaced, "every Namespace comes before the first namespaced object");
    assert.ok(charts.every((chart) => chart.file.endsWith(".chart.yaml")));
    assert.ok(objects.every((entry) => !entry.file.endsWith(".chart.yaml")));
  });
});

describe("fake nodes", () => {
  test("the MIG node advertises its slices and no whole GPU; the others their GPUs", () => {
    // The tests' own inventory (test/fixtures/base): node-mig splits both A100s, node-gpu-a keeps them whole.
    const [mig, full] = baseConfig().nodes;
    assert.ok(mig?.name === "node-mig" && full?.name === "node-gpu-a");
    const migNode = fakeNode(mig, "v1.37.2");
    assert.deepEqual(migNode.status.allocatable, {
      cpu: "64",
      memory: "256Gi",
      pods: "250",
      "nvidia.com/mig-1g.5gb": "8",
      "nvidia.com/mig-2g.10gb": "3",
    });
    assert.equal(migNode.metadata.labels["nvidia.com/mig.config"], migLayoutName(mig));
    assert.equal(migNode.metadata.annotations["kwok.x-k8s.io/node"], "fake");
    assert.equal(fakeNode(full, "v1.37.2").status.allocatable["nvidia.com/gpu"], "2");
    assert.equal(fakeNode(full, "v1.37.2").metadata.labels["nvidia.com/mig.config"], "all-disabled");
  });
});

describe("KubeSpawner's override merge", () => {
  test("dicts merge recursively, null deletes, lists and scalars replace", () => {
    const traits = {
      extra_pod_config: { priorityClassName: "jupyterhub-user", enableServiceLinks: false },
      node_affinity_required: [{ a: 1 }],
      cpu_limit: 2,
      extra_labels: { keep: "x", drop: "y" },
    };
    recursiveUpdate(traits, {
      extra_pod_config: { runtimeClassName: "nvidia" },
      node_affinity_required: [{ b: 2 }],
      cpu_limit: 16,
      extra_labels: { drop: null },
    });
    assert.deepEqual(traits, {
      extra_pod_config: {
        priorityClassName: "jupyterhub-user",
        enableServiceLinks: false,
        runtimeClassName: "nvidia",
      },
      node_affinity_required: [{ b: 2 }],
      cpu_limit: 16,
      extra_labels: { keep: "x" },
    });
  });
});

describe("the stand-in provisioner", () => {
  const nfsProvisioner = {
    spec: {
      template: {
        spec: {
          containers: [
            {
              env: [
                { name: "PROVISIONER_NAME", value: "k8s-sigs.io/nfs-subdir-external-provisioner" },
                { name: "NFS_SERVER", value: "10.21.0.9" },
                { name: "NFS_PATH", value: "/export/jupyterhub" },
              ],
            },
          ],
        },
      },
    },
  };
  const client = { list: async () => [nfsProvisioner] } as unknown as KubeClient;
  const claim = (annotations: Record<string, string> = {}): Claim => ({
    metadata: { name: "claim-alice", namespace: "jupyterhub", uid: "1234", annotations },
    spec: {
      storageClassName: "nfs-client",
      accessModes: ["ReadWriteMany"],
      resources: { requests: { storage: "10Gi" } },
    },
  });

  test("an NFS claim gets the volume nfs-subdir-external-provisioner would make, bound to it", async () => {
    const volume = await volumeFor(client, claim(), {
      provisioner: "k8s-sigs.io/nfs-subdir-external-provisioner",
      reclaimPolicy: "Retain",
      volumeBindingMode: "Immediate",
    });
    assert.ok(volume);
    const spec = volume.spec as Record<string, unknown>;
    assert.deepEqual(spec.nfs, {
      server: "10.21.0.9",
      path: "/export/jupyterhub/jupyterhub-claim-alice-pvc-1234",
    });
    assert.equal(spec.persistentVolumeReclaimPolicy, "Retain");
    assert.deepEqual(spec.claimRef, {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      namespace: "jupyterhub",
      name: "claim-alice",
      uid: "1234",
    });
  });

  test("a WaitForFirstConsumer claim waits for the scheduler's node; another provisioner's claim is left alone", async () => {
    const localPath = { provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer" };
    assert.equal(await volumeFor(client, claim(), localPath), undefined);
    const volume = await volumeFor(
      client,
      claim({ "volume.kubernetes.io/selected-node": "k3s-wk-gpu2" }),
      localPath,
    );
    assert.match(JSON.stringify(volume?.spec), /"values":\["k3s-wk-gpu2"\]/);
    assert.equal(await volumeFor(client, claim(), { provisioner: "example.com/other" }), undefined);
  });
});

describe("the scheduler's verdicts on a user pod", () => {
  test("a verdict that says the claim is missing, unbound or bound to a volume not seen yet is older than the binding", () => {
    // Messages as kube-scheduler 1.37 writes them into PodScheduled=False (VolumeBinding's and
    // VolumeZone's reasons); the first three were seen on the simulated cluster.
    for (const message of [
      '0/4 nodes are available: persistentvolumeclaim "claim-u-031" not found. not found',
      "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found",
      '0/4 nodes are available: persistentvolume "pvc-fe29c892-7eb9-4bf1-8584-b2222a4872a6" not found. not found',
      "0/4 nodes are available: PersistentVolume had no name. not found",
      "0/4 nodes are available: 4 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s). preemption: not eligible due to preemptionPolicy=Never.",
      '0/4 nodes are available: persistentvolumeclaim "claim-u-031" bound to non-existent persistentvolume "pvc-1234".',
    ])
      assert.equal(verdictBeforeBinding(message), true, message);
  });

  test("a verdict about the nodes' resources or affinity counts", () => {
    for (const message of [
      "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 3 Insufficient nvidia.com/gpu. preemption: not eligible due to preemptionPolicy=Never.",
      "0/4 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, 1 Insufficient nvidia.com/mig-1g.5gb.",
    ])
      assert.equal(verdictBeforeBinding(message), false, message);
  });
});
