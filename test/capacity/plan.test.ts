/** The packing arithmetic of the capacity planner: MIG slices, full GPUs, mixed scenarios, the quota. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fitCount } from "../../capacity/demand";
import { profileCapacities, profileCapacity, runScenario } from "../../capacity/plan";
import type { PlatformConfig } from "../../config/schema/platform";
import { editableProdConfig, prodConfig } from "../helpers";

const SEED_SCENARIO = {
  "cpu-default": 100,
  "mig-1g-5gb": 30,
  "gpu-pytorch-single": 15,
  "gpu-pytorch-dual": 5,
};

function profile(config: PlatformConfig, slug: string) {
  const found = config.profiles.find((candidate) => candidate.slug === slug);
  assert.ok(found, slug);
  return found;
}

describe("capacity planner", () => {
  test("fitCount takes the scarcest resource and tolerates float noise", () => {
    assert.deepEqual(fitCount({ cpu: 64, memory: 100 }, { cpu: 8, memory: 32 }), {
      count: 3,
      limit: "memory",
    });
    assert.deepEqual(fitCount({ cpu: 0.3 }, { cpu: 0.1 }), { count: 3, limit: "cpu" });
    assert.deepEqual(fitCount({ cpu: 4 }, { cpu: 1, "nvidia.com/gpu": 1 }), {
      count: 0,
      limit: "nvidia.com/gpu",
    });
  });

  test("full GPUs: 2 per node on the three nodes not in MIG mode", () => {
    const single = profileCapacity(prodConfig(), profile(prodConfig(), "gpu-pytorch-single"));
    assert.deepEqual(single.perNode, { "k3s-wk-gpu2": 2, "k3s-wk-gpu3": 2, "k3s-wk-gpu4": 2 });
    assert.equal(single.users, 6);
    assert.equal(single.limit, "nvidia.com/gpu");
    assert.equal(profileCapacity(prodConfig(), profile(prodConfig(), "gpu-pytorch-dual")).users, 3);
  });

  test("MIG slices: only the MIG node, one user per slice of the layout", () => {
    const small = profileCapacity(prodConfig(), profile(prodConfig(), "mig-1g-5gb"));
    assert.deepEqual(small.perNode, { "k3s-wk-gpu1": 8 });
    assert.equal(small.limit, "nvidia.com/mig-1g.5gb");
    assert.equal(profileCapacity(prodConfig(), profile(prodConfig(), "mig-2g-10gb")).users, 3);
  });

  test("CPU or memory binds when they run out before the GPU slices", () => {
    const config = editableProdConfig();
    const mig = profile(config, "mig-1g-5gb") as { cpu: { guarantee: string; limit: string } };
    mig.cpu = { guarantee: "20", limit: "20" };
    const capacity = profileCapacity(config, profile(config, "mig-1g-5gb"));
    assert.equal(capacity.users, 3);
    assert.equal(capacity.limit, "cpu");
  });

  test("the namespace quota caps a profile and says so", () => {
    const cpu = profileCapacity(prodConfig(), profile(prodConfig(), "cpu-default"));
    assert.equal(cpu.byNodes, 512);
    assert.equal(cpu.users, 200);
    assert.equal(cpu.limit, "quota: persistentvolumeclaims");
    const withOverhead = profileCapacity(prodConfig(), profile(prodConfig(), "cpu-default"), {
      quota: { persistentvolumeclaims: 2 },
    });
    assert.equal(withOverhead.users, 198);
    const config = editableProdConfig();
    (config.quota as { gpus: number }).gpus = 4;
    const capped = profileCapacity(config, profile(config, "gpu-pytorch-single"));
    assert.deepEqual([capped.users, capped.limit], [4, "quota: nvidia.com/gpu"]);
  });

  test("a capacity row for every profile, in page order", () => {
    assert.deepEqual(
      profileCapacities(prodConfig()).map((row) => row.slug),
      prodConfig().profiles.map((p) => p.slug),
    );
  });

  test("the seed's class scenario, scarcest first: 111 start, 39 wait", () => {
    const result = runScenario(prodConfig(), SEED_SCENARIO);
    assert.deepEqual(
      result.rows.map((row) => [row.slug, row.started, row.waiting]),
      [
        ["cpu-default", 100, 0],
        ["mig-1g-5gb", 8, 22],
        ["gpu-pytorch-single", 0, 15],
        ["gpu-pytorch-dual", 3, 2],
      ],
    );
    assert.deepEqual([result.started, result.waiting], [111, 39]);
  });

  test("in the order listed, CPU users packed onto one node strand that node's MIG slices or GPUs", () => {
    // All nodes tie for the first CPU user; the planner takes the first node (the MIG node), the real
    // scheduler a random one: then a full-GPU node loses a GPU instead (docs/capacity.md).
    const result = runScenario(prodConfig(), SEED_SCENARIO, undefined, "listed");
    assert.deepEqual(
      result.rows.map((row) => [row.slug, row.started, row.limit ?? ""]),
      [
        ["cpu-default", 100, ""],
        ["mig-1g-5gb", 4, "cpu"],
        ["gpu-pytorch-single", 6, "nvidia.com/gpu"],
        ["gpu-pytorch-dual", 0, "nvidia.com/gpu"],
      ],
    );
    assert.equal(result.placement["k3s-wk-gpu1"]?.["cpu-default"], 100);
  });

  test("packing keeps a node with two free GPUs for a dual-GPU user after single-GPU users", () => {
    const result = runScenario(
      prodConfig(),
      { "gpu-pytorch-single": 4, "gpu-pytorch-dual": 1 },
      undefined,
      "listed",
    );
    assert.deepEqual(
      result.rows.map((row) => row.started),
      [4, 1],
    );
    const singlesPerNode = Object.values(result.placement).map((users) => users["gpu-pytorch-single"] ?? 0);
    assert.deepEqual(singlesPerNode.sort(), [0, 0, 2, 2]);
  });

  test("a scenario that the quota stops reports the quota", () => {
    const config = editableProdConfig();
    (config.quota as { requestsCpu: string }).requestsCpu = "10";
    const result = runScenario(config, { "cpu-default": 30 });
    assert.deepEqual([result.started, result.rows[0]?.limit], [20, "quota: cpu"]);
  });
});
