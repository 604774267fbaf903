/**
 * The packing arithmetic of the capacity planner: MIG slices, full GPUs, mixed scenarios, the quota.
 * Rules are shown on the tests' own stack (test/fixtures/base); the seed's figures on the seed's copy
 * (test/fixtures/seed), never on prod, which may grow (docs/profiles.md, "What the tests know about prod").
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fitCount } from "../../capacity/demand";
import { profileCapacities, profileCapacity, runScenario } from "../../capacity/plan";
import type { PlatformConfig } from "../../config/schema/platform";
import { baseConfig } from "../config/base";
import { editableProdConfig, prodConfig, seedConfig } from "../helpers";

/** The seed's class of 150 (docs/capacity.md). */
const SEED_SCENARIO = {
  "cpu-default": 100,
  "mig-1g-5gb": 30,
  "gpu-pytorch-single": 15,
  "gpu-pytorch-dual": 5,
};

/** A class on the tests' own stack: one user of each kind more than its nodes hold. */
const BASE_SCENARIO = {
  "cpu-default": 100,
  "mig-1g-5gb": 30,
  "gpu-single": 15,
  "gpu-dual": 5,
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

  test("full GPUs: 2 per node on the three nodes not in MIG mode (the seed's 6 single, 3 dual)", () => {
    const seed = seedConfig();
    const single = profileCapacity(seed, profile(seed, "gpu-pytorch-single"));
    assert.deepEqual(single.perNode, { "k3s-wk-gpu2": 2, "k3s-wk-gpu3": 2, "k3s-wk-gpu4": 2 });
    assert.equal(single.users, 6);
    assert.equal(single.limit, "nvidia.com/gpu");
    assert.equal(profileCapacity(seed, profile(seed, "gpu-pytorch-dual")).users, 3);
  });

  test("MIG slices: only the MIG node, one user per slice of the layout (the seed's 8 and 3)", () => {
    const seed = seedConfig();
    const small = profileCapacity(seed, profile(seed, "mig-1g-5gb"));
    assert.deepEqual(small.perNode, { "k3s-wk-gpu1": 8 });
    assert.equal(small.limit, "nvidia.com/mig-1g.5gb");
    assert.equal(profileCapacity(seed, profile(seed, "mig-2g-10gb")).users, 3);
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
    // The tests' stack: three 64-core, 256Gi nodes hold 3 x 128 CPU users; its quota, 200 home claims.
    const base = baseConfig();
    const cpu = profileCapacity(base, profile(base, "cpu-default"));
    assert.equal(cpu.byNodes, 384);
    assert.equal(cpu.users, 200);
    assert.equal(cpu.limit, "quota: persistentvolumeclaims");
    const withOverhead = profileCapacity(base, profile(base, "cpu-default"), {
      quota: { persistentvolumeclaims: 2 },
    });
    assert.equal(withOverhead.users, 198);
    // Its two full-GPU nodes hold 4 single-GPU users; a quota of 3 GPUs stops the fourth.
    const config = structuredClone(base) as PlatformConfig;
    (config.quota as { gpus: number }).gpus = 3;
    const capped = profileCapacity(config, profile(config, "gpu-single"));
    assert.deepEqual([capped.byNodes, capped.users, capped.limit], [4, 3, "quota: nvidia.com/gpu"]);
  });

  test("a capacity row for every profile, in page order", () => {
    assert.deepEqual(
      profileCapacities(prodConfig()).map((row) => row.slug),
      prodConfig().profiles.map((p) => p.slug),
    );
  });

  test("the seed's class scenario, scarcest first: 111 start, 39 wait", () => {
    const result = runScenario(seedConfig(), SEED_SCENARIO);
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
    // The tests' stack: node-mig is listed first; 100 CPU users take 50 of its 64 cores, which leaves
    // cores for 4 of its 8 MIG users; the single-GPU users fill both full-GPU nodes, no dual user fits.
    const result = runScenario(baseConfig(), BASE_SCENARIO, undefined, "listed");
    assert.deepEqual(
      result.rows.map((row) => [row.slug, row.started, row.limit ?? ""]),
      [
        ["cpu-default", 100, ""],
        ["mig-1g-5gb", 4, "cpu"],
        ["gpu-single", 4, "nvidia.com/gpu"],
        ["gpu-dual", 0, "nvidia.com/gpu"],
      ],
    );
    assert.equal(result.placement["node-mig"]?.["cpu-default"], 100);
  });

  test("packing keeps a node with two free GPUs for a dual-GPU user after single-GPU users", () => {
    // The tests' stack has two full-GPU nodes: spreading the two single-GPU users would leave no
    // node with two free GPUs; packing puts both on one node.
    const result = runScenario(baseConfig(), { "gpu-single": 2, "gpu-dual": 1 }, undefined, "listed");
    assert.deepEqual(
      result.rows.map((row) => row.started),
      [2, 1],
    );
    assert.deepEqual(result.placement, {
      "node-mig": {},
      "node-gpu-a": { "gpu-single": 2 },
      "node-gpu-b": { "gpu-dual": 1 },
    });
  });

  test("a scenario that the quota stops reports the quota", () => {
    const config = editableProdConfig();
    (config.quota as { requestsCpu: string }).requestsCpu = "10";
    const result = runScenario(config, { "cpu-default": 30 });
    assert.deepEqual([result.started, result.rows[0]?.limit], [20, "quota: cpu"]);
  });
});
