/** Each cross-field rule: the prod config passes it, and one broken field fails it with an exact message. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RuleIssue } from "../../config/issues";
import { RULES } from "../../config/rules";
import type { PlatformConfig } from "../../config/schema/platform";
import { editableProdConfig, prodConfig } from "../helpers";

function profileIndex(config: PlatformConfig, slug: string): number {
  const index = config.profiles.findIndex((profile) => profile.slug === slug);
  assert.ok(index >= 0, slug);
  return index;
}

function failsWith(ruleName: string, breakIt: (config: PlatformConfig) => void, expected: RuleIssue[]) {
  const config = editableProdConfig();
  breakIt(config);
  const rule = RULES[ruleName];
  assert.ok(rule, ruleName);
  assert.deepEqual(rule(config), expected);
}

describe("cross-field rules", () => {
  test("the prod config passes every rule (the NFS server is only needed before deploy)", () => {
    for (const [name, rule] of Object.entries(RULES)) {
      const issues = rule(prodConfig());
      if (name === "nfsServerIsSet") assert.equal(issues[0]?.severity, "deploy");
      else assert.deepEqual(issues, [], name);
    }
  });

  test("slugs are unique", () =>
    failsWith(
      "uniqueSlugs",
      (config) => {
        (config.profiles[1] as { slug: string }).slug = "cpu-default";
      },
      [
        {
          path: ["profiles", 1, "slug"],
          message: 'slug "cpu-default" is already used by another profile (#1); slugs must be unique',
        },
      ],
    ));

  test("exactly one profile is the default", () => {
    failsWith(
      "exactlyOneDefault",
      (config) => {
        for (const profile of config.profiles) (profile as { default: boolean }).default = false;
      },
      [{ path: ["profiles", 0, "default"], message: "no profile has `default: true`; mark exactly one" }],
    );
    failsWith(
      "exactlyOneDefault",
      (config) => {
        (config.profiles[2] as { default: boolean }).default = true;
      },
      [
        {
          path: ["profiles", 2, "default"],
          message:
            "more than one profile has `default: true` (cpu-default, gpu-tensorflow-single); mark exactly one",
        },
      ],
    );
  });

  test("a guarantee does not exceed its limit", () =>
    failsWith(
      "guaranteeWithinLimit",
      (config) => {
        (config.profiles[0]?.memory as { guarantee: string }).guarantee = "4Gi";
      },
      [
        {
          path: ["profiles", 0, "memory", "guarantee"],
          message: "'memory.guarantee' (4Gi) must not exceed 'memory.limit' (2Gi)",
        },
      ],
    ));

  test("an idle timeout does not exceed the maximum runtime", () =>
    failsWith(
      "idleTimeoutWithinRuntime",
      (config) => {
        (config.profiles[1] as { idleTimeout: number }).idleTimeout = 40000;
      },
      [
        {
          path: ["profiles", 1, "idleTimeout"],
          message: "'idleTimeout' (40000s) must not exceed 'maxRuntime' (28800s)",
        },
      ],
    ));

  test("only admins may use a custom image", () => {
    const config = editableProdConfig();
    const index = profileIndex(config, "custom-image");
    (config.profiles[index] as { groups: string[] }).groups = ["jupyter_admin", "cpsHPCAccess"];
    assert.deepEqual(RULES.customImageOnlyForAdmins?.(config), [
      {
        path: ["profiles", index, "groups"],
        message:
          "a profile with 'customImage' runs any image a user types, so only admin groups (jupyter_admin) may use it",
      },
    ]);
  });

  test("profiles name only groups the stack defines, and GPU groups can sign in", () => {
    failsWith(
      "referencedGroupsExist",
      (config) => {
        (config.profiles[0] as { groups: string[] }).groups = ["cps-students", "cps-staff"];
      },
      [
        {
          path: ["profiles", 0, "groups", 1],
          message:
            'unknown group "cps-staff"; groups are defined in the stack\'s auth.groups (jupyter_admin, cps-students, cpsHPCAccess)',
        },
      ],
    );
    failsWith(
      "referencedGroupsExist",
      (config) => {
        (config.auth.groups as { gpu: string[] }).gpu = ["cpsHPCAccess", "gpu-research"];
      },
      [
        {
          path: ["auth", "groups", "gpu", 1],
          message: 'GPU group "gpu-research" cannot sign in: add it to auth.groups.allowed',
        },
      ],
    );
  });

  test("GPU profiles are open only to GPU and admin groups", () =>
    failsWith(
      "gpuProfilesOnlyForGpuGroups",
      (config) => {
        (config.profiles[1] as { groups: string[] }).groups = ["cps-students"];
      },
      [
        {
          path: ["profiles", 1, "groups", 0],
          message:
            '"cps-students" has no GPU rights, but this profile requests a GPU; allow only cpsHPCAccess, jupyter_admin',
        },
      ],
    ));

  test("node names are unique", () =>
    failsWith(
      "uniqueNodeNames",
      (config) => {
        (config.nodes[3] as { name: string }).name = "k3s-wk-gpu1";
      },
      [{ path: ["nodes", 3, "name"], message: 'node "k3s-wk-gpu1" is listed twice' }],
    ));

  test("MIG layouts fit the GPU", () => {
    failsWith(
      "migLayoutsFitTheGpus",
      (config) => {
        const layout = config.nodes[0]?.mig?.layout[1] as { slices: Record<string, number> };
        layout.slices = { "2g.10gb": 3, "1g.5gb": 2 };
      },
      [
        {
          path: ["nodes", 0, "mig", "layout", 1, "slices"],
          message: "the mix needs 8 compute slices and one A100-40GB has 7",
        },
      ],
    );
    failsWith(
      "migLayoutsFitTheGpus",
      (config) => {
        (config.nodes[0]?.mig?.layout[1] as { gpus: number[] }).gpus = [0];
      },
      [
        {
          path: ["nodes", 0, "mig", "layout", 1, "gpus", 0],
          message: "GPU 0 is already split by layout entry 0; each GPU has one layout",
        },
      ],
    );
  });

  test("one MIG layout name means one layout", () =>
    failsWith(
      "migLayoutNamesConsistent",
      (config) => {
        const node = config.nodes[1] as { mig?: unknown };
        node.mig = { name: "cps-1g5x8-2g10x3", layout: [{ gpus: [0, 1], slices: { "1g.5gb": 7 } }] };
      },
      [
        {
          path: ["nodes", 1, "mig", "name"],
          message: 'MIG layout "cps-1g5x8-2g10x3" is defined differently on another node',
        },
      ],
    ));

  test("every profile fits on some node", () =>
    failsWith(
      "everyProfileFitsSomeNode",
      (config) => {
        (config.profiles[3]?.gpu as { count: number }).count = 4;
      },
      [
        {
          path: ["profiles", 3],
          message:
            "fits on no node of the inventory (k3s-wk-gpu1: full-GPU profiles are kept off nodes in MIG mode; " +
            "k3s-wk-gpu2: needs 4 GPUs, node has 2; k3s-wk-gpu3: needs 4 GPUs, node has 2; k3s-wk-gpu4: needs 4 GPUs, node has 2)",
        },
      ],
    ));

  test("a MIG profile's slice exists in some node's layout", () =>
    failsWith(
      "migSliceExistsInSomeLayout",
      (config) => {
        (config.profiles[5]?.gpu as { migSlice: string }).migSlice = "3g.20gb";
      },
      [
        {
          path: ["profiles", 5, "gpu", "migSlice"],
          message: 'no node\'s MIG layout has a "3g.20gb" slice (offered: 1g.5gb, 2g.10gb)',
        },
      ],
    ));

  test("the namespace quota admits every profile", () =>
    failsWith(
      "quotaAdmitsEveryProfile",
      (config) => {
        (config.quota as { gpus: number }).gpus = 1;
      },
      [
        { path: ["profiles", 3, "gpu"], message: "2 GPUs exceed the namespace quota quota.gpus (1)" },
        { path: ["profiles", 4, "gpu"], message: "2 GPUs exceed the namespace quota quota.gpus (1)" },
        { path: ["profiles", 7, "customImage"], message: "2 GPUs exceed the namespace quota quota.gpus (1)" },
      ],
    ));

  test("MIG quotas name slices the inventory offers", () =>
    failsWith(
      "quotaSlicesExist",
      (config) => {
        (config.quota as { migSlices?: Record<string, number> }).migSlices = { "1g.5gb": 8, "3g.20gb": 1 };
      },
      [
        {
          path: ["quota", "migSlices", "3g.20gb"],
          message: 'no node offers a "3g.20gb" slice to put a quota on',
        },
      ],
    ));

  test("platform pods request no more than their limits", () =>
    failsWith(
      "resourceRequestsWithinLimits",
      (config) => {
        (config.hub.resources.cpu as { request: string }).request = "8";
      },
      [
        {
          path: ["hub", "resources", "cpu", "request"],
          message: "'cpu.request' (8) must not exceed 'cpu.limit' (4)",
        },
      ],
    ));

  test("the NFS server is required before deploy, and set it passes", () => {
    const config = editableProdConfig();
    assert.equal(RULES.nfsServerIsSet?.(config)[0]?.severity, "deploy");
    (config.storage.nfs as { server?: string }).server = "10.21.4.7";
    assert.deepEqual(RULES.nfsServerIsSet?.(config), []);
  });
});
