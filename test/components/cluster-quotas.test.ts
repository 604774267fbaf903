/**
 * Quotas and fairness: the namespace quota is the config's figures (MIG slices default to what the
 * inventory offers), and containers without resources get the default profile's. Pod Security
 * labels: pod-security.test.ts.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { editableProdConfig, prodConfig } from "../helpers";
import { type Rendered, render } from "./render-helpers";

let prod: Rendered;
before(async () => {
  prod = await render(prodConfig());
});

describe("quotas and fairness", () => {
  test("the ResourceQuota equals the config, MIG slices the inventory's totals", () => {
    const quota = prod.get("ResourceQuota", "jupyterhub-quota");
    assert.equal(quota.metadata.namespace, "jupyterhub");
    const config = prodConfig().quota;
    assert.deepEqual(quota.spec.hard, {
      "requests.cpu": config.requestsCpu,
      "requests.memory": config.requestsMemory,
      "requests.nvidia.com/gpu": String(config.gpus),
      // k3s-wk-gpu1: GPU 0 = 7 × 1g.5gb, GPU 1 = 3 × 2g.10gb + 1 × 1g.5gb
      "requests.nvidia.com/mig-1g.5gb": "8",
      "requests.nvidia.com/mig-2g.10gb": "3",
      persistentvolumeclaims: String(config.persistentVolumeClaims),
    });
    assert.deepEqual(
      [config.requestsCpu, config.requestsMemory, config.gpus, config.persistentVolumeClaims],
      ["200", "1Ti", 8, 200],
    );
  });

  test("configured slice figures and a storage ceiling replace the defaults", async () => {
    const config = editableProdConfig();
    Object.assign(config.quota, { migSlices: { "1g.5gb": 4 }, requestsStorage: "4Ti" });
    const hard = (await render(config)).get("ResourceQuota", "jupyterhub-quota").spec.hard;
    assert.equal(hard["requests.nvidia.com/mig-1g.5gb"], "4");
    assert.equal(
      hard["requests.nvidia.com/mig-2g.10gb"],
      "3",
      "a slice the config leaves out keeps the total",
    );
    assert.equal(hard["requests.storage"], "4Ti");
  });

  test("the LimitRange gives a container without resources the default profile's", () => {
    const limitRange = prod.get("LimitRange", "jupyterhub-limits");
    assert.equal(limitRange.metadata.namespace, "jupyterhub");
    const cpuDefault = prodConfig().profiles.find((profile) => profile.default);
    assert.equal(cpuDefault?.slug, "cpu-default");
    assert.deepEqual(limitRange.spec.limits, [
      {
        type: "Container",
        defaultRequest: { cpu: "0.5", memory: "1Gi" },
        default: { cpu: "2", memory: "2Gi" },
      },
    ]);
  });

  test("every pod the platform renders in the quota'd namespace states its requests", () => {
    const workloads = prod.objects.filter(
      (object) => object.metadata?.namespace === "jupyterhub" && object.spec?.template,
    );
    assert.ok(workloads.length >= 5);
    for (const workload of workloads) {
      const spec = workload.spec.template.spec;
      for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
        const name = `${workload.kind}/${workload.metadata.name}/${container.name}`;
        assert.ok(container.resources?.requests?.cpu, `${name} requests CPU`);
        assert.ok(container.resources?.requests?.memory, `${name} requests memory`);
      }
    }
  });
});
