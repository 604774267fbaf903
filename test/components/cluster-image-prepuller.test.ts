/**
 * Image pre-pullers: one DaemonSet per profile image, placed like the profiles that use it (a CPU
 * profile's image everywhere), z2jh's shape (pull in an init container, then pause), unprivileged.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { imagePullerName } from "../../components/names";
import { fullGpuAffinity, migAffinity } from "../../config/placement";
import { editableProdConfig, prodConfig } from "../helpers";
import { type K8sObject, podSpec, type Rendered, render } from "./render-helpers";

const DATASCIENCE = "quay.io/jupyter/datascience-notebook:2025-11-06";
const PYTORCH = "quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06";
const TENSORFLOW = "quay.io/jupyter/tensorflow-notebook:cuda-2025-11-06";

const FULL_GPU_NODES = fullGpuAffinity();
const MIG_NODES = migAffinity();

function pullerOf(rendered: Rendered, image: string): K8sObject {
  return rendered.get("DaemonSet", imagePullerName(image));
}

function nodeTerms(daemonSet: K8sObject) {
  return podSpec(daemonSet).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms;
}

let prod: Rendered;
before(async () => {
  prod = await render(prodConfig());
});

describe("image pre-pullers", () => {
  test("one DaemonSet per distinct profile image in the hub's namespace", () => {
    const images = prod.all("DaemonSet").map((daemonSet) => podSpec(daemonSet).initContainers[0].image);
    assert.deepEqual(
      images.sort(),
      [...new Set(prodConfig().profiles.map((profile) => profile.image))].sort(),
    );
    for (const daemonSet of prod.all("DaemonSet")) assert.equal(daemonSet.metadata.namespace, "jupyterhub");
  });

  test("each runs where its profiles run: CPU images everywhere, full-GPU images off the MIG node", () => {
    assert.equal(nodeTerms(pullerOf(prod, DATASCIENCE)), undefined, "cpu-default may run on any node");
    // pytorch is also the custom-image profile's default, which needs no GPU, so it goes everywhere
    assert.equal(nodeTerms(pullerOf(prod, PYTORCH)), undefined);
    assert.deepEqual(nodeTerms(pullerOf(prod, TENSORFLOW)), FULL_GPU_NODES);
  });

  test("an image shared by full-GPU and MIG profiles goes on the union of their nodes", async () => {
    // An image only a one-GPU profile and a MIG profile use, whatever else prod's profiles run.
    const shared = "quay.io/jupyter/scipy-notebook:2025-11-06";
    const config = editableProdConfig();
    for (const slug of ["gpu-pytorch-single", "mig-1g-5gb"]) {
      const found = config.profiles.find((profile) => profile.slug === slug);
      (found as { image: string }).image = shared;
    }
    const rendered = await render(config);
    assert.deepEqual(nodeTerms(pullerOf(rendered, shared)), [...FULL_GPU_NODES, ...MIG_NODES]);
    assert.equal(
      pullerOf(rendered, shared).metadata.annotations?.["gpu-jupyterhub/used-by"],
      "gpu-pytorch-single,mig-1g-5gb",
    );
  });

  test("z2jh's shape: pull in an init container, then pause; no token, users' priority, no tolerations", () => {
    for (const daemonSet of prod.all("DaemonSet")) {
      const pod = podSpec(daemonSet);
      const [pull] = pod.initContainers;
      assert.deepEqual(pull.command, ["/bin/sh", "-c", "echo Pulling complete"]);
      assert.equal(pull.securityContext.runAsNonRoot, true);
      assert.equal(pull.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(pull.securityContext.capabilities, { drop: ["ALL"] });
      assert.deepEqual(pull.resources.requests, { cpu: "5m", memory: "8Mi" });
      assert.deepEqual(
        pod.containers.map((container: { name: string; image: string }) => [container.name, container.image]),
        [["pause", "registry.k8s.io/pause:3.10"]],
      );
      assert.equal(pod.automountServiceAccountToken, false);
      assert.equal(pod.priorityClassName, "jupyterhub-user");
      assert.equal(pod.tolerations, undefined);
      assert.equal(daemonSet.spec.updateStrategy.rollingUpdate.maxUnavailable, "100%");
      assert.ok(daemonSet.metadata.name.length <= 63);
    }
  });

  test("extra images go on every node; switched off, nothing is rendered", async () => {
    const config = editableProdConfig();
    (config.prePull as { extraImages: string[] }).extraImages = [
      TENSORFLOW,
      "quay.io/jupyter/r-notebook:2025-11-06",
    ];
    let rendered = await render(config);
    assert.equal(rendered.all("DaemonSet").length, 4);
    assert.equal(nodeTerms(pullerOf(rendered, TENSORFLOW)), undefined, "an extra image is wanted everywhere");
    assert.equal(nodeTerms(pullerOf(rendered, "quay.io/jupyter/r-notebook:2025-11-06")), undefined);
    (config.prePull as { enabled: boolean }).enabled = false;
    rendered = await render(config);
    assert.equal(rendered.all("DaemonSet").length, 0);
  });
});
