/**
 * A quota that names only some MIG slices (`quota.migSlices: {1g.5gb: 4}`): the slice it leaves out
 * (2g.10gb) is allowed as many instances as the inventory offers, as the schema says, and the
 * rendered ResourceQuota, the validation rules and the capacity planner agree on it.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import { profileCapacities, quotaResources } from "../../capacity/plan";
import { migSliceQuota } from "../../config/derived";
import { loadPlatformConfig } from "../../config/load";
import { quotaAdmitsEveryProfile } from "../../config/rules/capacity";
import type { PlatformConfig } from "../../config/schema/platform";
import { render } from "../components/render-helpers";
import { FIXTURES } from "../config/base";

const STACK = path.join(FIXTURES, "stacks", "partial-mig-quota.yaml");

function load(): PlatformConfig {
  const result = loadPlatformConfig({ stackFile: STACK });
  assert.deepEqual(
    result.issues,
    [],
    "the rules accept a 2g.10gb profile under a quota that names only 1g.5gb",
  );
  assert.ok(result.config);
  return result.config;
}

describe("a quota naming only 1g.5gb leaves 2g.10gb at the inventory's 3", () => {
  test("the derived slice quota: 4 × 1g.5gb as written, 3 × 2g.10gb from the inventory", () => {
    assert.deepEqual(migSliceQuota(load()), { "1g.5gb": 4, "2g.10gb": 3 });
  });

  test("the ResourceQuota, the rules and the planner agree", async () => {
    const config = load(); // the rules: no issue (asserted in load)
    const hard = (await render(config)).get("ResourceQuota", "jupyterhub-quota").spec.hard;
    assert.equal(hard["requests.nvidia.com/mig-1g.5gb"], "4");
    assert.equal(hard["requests.nvidia.com/mig-2g.10gb"], "3");

    const quota = quotaResources(config);
    assert.equal(quota["nvidia.com/mig-1g.5gb"], 4);
    assert.equal(quota["nvidia.com/mig-2g.10gb"], 3);
    const bySlug = Object.fromEntries(profileCapacities(config).map((row) => [row.slug, row]));
    assert.deepEqual(
      { users: bySlug["mig-2g"]?.users, byQuota: bySlug["mig-2g"]?.byQuota, limit: bySlug["mig-2g"]?.limit },
      { users: 3, byQuota: 3, limit: "nvidia.com/mig-2g.10gb" },
    );
    assert.deepEqual(
      { users: bySlug["mig-1g"]?.users, limit: bySlug["mig-1g"]?.limit },
      { users: 4, limit: "quota: nvidia.com/mig-1g.5gb" },
    );
  });

  test("a slice the quota sets to 0 is refused by the rule, and the ResourceQuota and planner allow none", async () => {
    const config = structuredClone(load()) as PlatformConfig;
    (config.quota as { migSlices?: Record<string, number> }).migSlices = { "2g.10gb": 0 };
    assert.deepEqual(quotaAdmitsEveryProfile(config), [
      {
        path: ["profiles", 2, "gpu", "migSlice"],
        message: "the namespace quota quota.migSlices allows no 2g.10gb slice",
      },
    ]);
    const hard = (await render(config)).get("ResourceQuota", "jupyterhub-quota").spec.hard;
    assert.equal(hard["requests.nvidia.com/mig-2g.10gb"], "0");
    assert.equal(hard["requests.nvidia.com/mig-1g.5gb"], "8", "1g.5gb, not named, keeps the inventory's 8");
    const mig2g = profileCapacities(config).find((row) => row.slug === "mig-2g");
    assert.equal(mig2g?.users, 0);
  });
});
