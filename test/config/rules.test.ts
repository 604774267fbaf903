/**
 * Each cross-field rule: the base config (test/fixtures/base) passes it, and one broken field fails
 * it with an exact message. The prod config passes every rule too, whatever profiles it holds.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RuleIssue } from "../../config/issues";
import { RULES } from "../../config/rules";
import type { PlatformConfig } from "../../config/schema/platform";
import { prodConfig } from "../helpers";
import { baseConfig, editableBaseConfig } from "./base";

function profileIndex(config: PlatformConfig, slug: string): number {
  const index = config.profiles.findIndex((profile) => profile.slug === slug);
  assert.ok(index >= 0, slug);
  return index;
}

type Editable = Omit<PlatformConfig, "profiles"> & { profiles: Record<string, unknown>[] };

function failsWith(
  ruleName: string,
  breakIt: (config: Editable, at: (slug: string) => number) => void,
  expected: (at: (slug: string) => number) => RuleIssue[],
) {
  const config = editableBaseConfig();
  const at = (slug: string) => profileIndex(config, slug);
  breakIt(config as unknown as Editable, at);
  const rule = RULES[ruleName];
  assert.ok(rule, ruleName);
  assert.deepEqual(rule(config), expected(at));
}

const profile = (config: Editable, index: number) => config.profiles[index] as Record<string, unknown>;

describe("cross-field rules", () => {
  test("the base and the prod config pass every rule (the NFS server is only needed before deploy)", () => {
    for (const config of [baseConfig(), prodConfig()]) {
      for (const [name, rule] of Object.entries(RULES)) {
        const issues = rule(config).filter((issue) => issue.severity !== "deploy");
        assert.deepEqual(issues, [], name);
      }
    }
  });

  test("the user scheduler never shares the hub's namespace, nor any component another's", () => {
    failsWith(
      "namespacesAreDistinct",
      (config) => {
        config.userScheduler.namespace = config.cluster.namespace;
        config.storage.provisionerNamespace = config.gpuOperator.namespace;
      },
      () => [
        {
          path: ["userScheduler", "namespace"],
          message:
            'namespace "jupyterhub" is already the namespace set at {0}; a pod the hub creates there could use the scheduler\'s ServiceAccount and its cluster-wide rights: choose another',
          refs: [["cluster", "namespace"]],
        },
        {
          path: ["gpuOperator", "namespace"],
          message:
            'namespace "gpu-operator" is already the namespace set at {0}; each component\'s namespace has its own Pod Security level and network policies: choose another',
          refs: [["storage", "provisionerNamespace"]],
        },
      ],
    );
  });

  test("slugs are unique, and the message names where the first one is", () =>
    failsWith(
      "uniqueSlugs",
      (config, at) => {
        profile(config, at("gpu-single")).slug = "cpu-default";
      },
      (at) => [
        {
          path: ["profiles", 1, "slug"],
          message:
            'slug "cpu-default" is already used by the profile at {0}; slugs must be unique: choose a new one',
          refs: [["profiles", at("cpu-default"), "slug"]],
        },
      ],
    ));

  test("exactly one profile is the default", () => {
    failsWith(
      "exactlyOneDefault",
      (config) => {
        for (const entry of config.profiles) entry.default = false;
      },
      () => [
        { path: ["profiles", 0, "default"], message: "no profile has `default: true`; mark exactly one" },
      ],
    );
    failsWith(
      "exactlyOneDefault",
      (config, at) => {
        profile(config, at("gpu-dual")).default = true;
      },
      (at) => [
        {
          path: ["profiles", at("gpu-dual"), "default"],
          message:
            "more than one profile has `default: true` (cpu-default, gpu-dual); mark exactly one (the first is at {0})",
          refs: [["profiles", at("cpu-default"), "default"]],
        },
      ],
    );
  });

  test("a guarantee does not exceed its limit", () =>
    failsWith(
      "guaranteeWithinLimit",
      (config, at) => {
        (profile(config, at("cpu-default")).memory as { guarantee: string }).guarantee = "4Gi";
      },
      (at) => [
        {
          path: ["profiles", at("cpu-default"), "memory", "guarantee"],
          message: "'memory.guarantee' (4Gi) must not exceed 'memory.limit' (2Gi)",
        },
      ],
    ));

  test("an idle timeout does not exceed the maximum runtime", () =>
    failsWith(
      "idleTimeoutWithinRuntime",
      (config, at) => {
        profile(config, at("gpu-single")).maxRuntime = 1200;
      },
      (at) => [
        {
          path: ["profiles", at("gpu-single"), "idleTimeout"],
          message: "'idleTimeout' (1800s) must not exceed 'maxRuntime' (1200s)",
        },
      ],
    ));

  test("a profile's timeouts are no longer than the hub-wide culler's, which would stop the server first", () => {
    failsWith(
      "profileTimeoutsTakeEffect",
      (config, at) => {
        profile(config, at("gpu-single")).idleTimeout = 7200;
        profile(config, at("gpu-single")).maxRuntime = 36000;
      },
      (at) => [
        {
          path: ["profiles", at("gpu-single"), "idleTimeout"],
          message:
            "idleTimeout (7200s) is longer than the hub-wide culler's timeout (3600s, culler.timeout at {0}), which stops idle servers first, so it has no effect; write at most 3600, or ask the platform team to raise culler.timeout",
          refs: [["culler", "timeout"]],
        },
        {
          path: ["profiles", at("gpu-single"), "maxRuntime"],
          message:
            "maxRuntime (36000s) is longer than the hub-wide culler's maxAge (28800s, culler.maxAge at {0}), which stops servers running that long first, so it has no effect; write at most 28800, or ask the platform team to raise culler.maxAge",
          refs: [["culler", "maxAge"]],
        },
      ],
    );
    // maxAge 0 means no hub-wide maximum: any maxRuntime takes effect.
    const config = editableBaseConfig();
    (config.culler as { maxAge: number }).maxAge = 0;
    (config.profiles[profileIndex(config, "gpu-single")] as { maxRuntime: number }).maxRuntime = 360000;
    assert.deepEqual(RULES.profileTimeoutsTakeEffect?.(config), []);
  });

  test("with culling off, a profile's timeouts have no effect", () =>
    failsWith(
      "profileTimeoutsTakeEffect",
      (config) => {
        (config.culler as { enabled: boolean }).enabled = false;
      },
      (at) =>
        [
          ["gpu-single", "idleTimeout"],
          ["gpu-single", "maxRuntime"],
          ["gpu-dual", "idleTimeout"],
        ].map(([slug, field]) => ({
          path: ["profiles", at(slug as string), field as string],
          message: `has no effect: culling is off in the stack (culler.enabled: false at {0}), and the per-profile culler runs only with it; remove ${field}, or turn culling on`,
          refs: [["culler", "enabled"]],
        })),
    ));

  test("the culler's idle timeout is within its maximum age", () =>
    failsWith(
      "cullerTimeoutWithinMaxAge",
      (config) => {
        (config.culler as { maxAge: number }).maxAge = 1800;
      },
      () => [
        {
          path: ["culler", "timeout"],
          message:
            "culler.timeout (3600s) is longer than culler.maxAge (1800s, at {0}): every server is stopped for its age before it could count as idle; lower the timeout or raise maxAge",
          refs: [["culler", "maxAge"]],
        },
      ],
    ));

  test("only admins may use a custom image", () =>
    failsWith(
      "customImageOnlyForAdmins",
      (config, at) => {
        profile(config, at("custom-image")).groups = ["jupyter_admin", "cpsHPCAccess"];
      },
      (at) => [
        {
          path: ["profiles", at("custom-image"), "groups"],
          message:
            "a profile with 'customImage' runs any image a user types, so only admin groups (jupyter_admin) may use it",
        },
      ],
    ));

  test("a custom-image profile has no fixed GPU", () =>
    failsWith(
      "customImageHasNoFixedGpu",
      (config, at) => {
        profile(config, at("custom-image")).gpu = { count: 1 };
      },
      (at) => [
        {
          path: ["profiles", at("custom-image"), "gpu"],
          message:
            'a custom-image profile offers 0 to customImage.maxGpus GPUs on its form; `gpu` would be added to every choice, even "No GPU": remove `gpu` and set customImage.maxGpus',
        },
      ],
    ));

  test("a custom image's most GPUs fit on some node", () =>
    failsWith(
      "customImageGpusFitSomeNode",
      (config, at) => {
        profile(config, at("custom-image")).customImage = { maxGpus: 4 };
      },
      (at) => [
        {
          path: ["profiles", at("custom-image"), "customImage", "maxGpus"],
          message:
            "no node can run a custom image with 4 GPUs: the most any node outside MIG mode offers with this profile's CPU and memory is 2; write at most 2",
        },
      ],
    ));

  test("profiles name only groups the stack defines, with a did-you-mean; GPU groups can sign in", () => {
    failsWith(
      "referencedGroupsExist",
      (config, at) => {
        profile(config, at("cpu-default")).groups = ["cps-studnets", "CPS-Students", "cps-staff"];
      },
      (at) =>
        [
          'unknown group "cps-studnets"; did you mean "cps-students"? The stack\'s auth.groups define: jupyter_admin, cps-students, cpsHPCAccess',
          'unknown group "CPS-Students"; did you mean "cps-students"? Group names are case-sensitive. The stack\'s auth.groups define: jupyter_admin, cps-students, cpsHPCAccess',
          'unknown group "cps-staff"; groups are defined in the stack\'s auth.groups (jupyter_admin, cps-students, cpsHPCAccess)',
        ].map((message, position) => ({
          path: ["profiles", at("cpu-default"), "groups", position],
          message,
        })),
    );
    failsWith(
      "referencedGroupsExist",
      (config) => {
        (config.auth.groups as { gpu: string[] }).gpu = ["cpsHPCAccess", "gpu-research"];
      },
      () => [
        {
          path: ["auth", "groups", "gpu", 1],
          message: 'GPU group "gpu-research" cannot sign in: add it to auth.groups.allowed',
        },
      ],
    );
    failsWith(
      "referencedGroupsExist",
      (config) => {
        (config.auth.groups as { gpu: string[] }).gpu = ["cpsHPCAcess"];
      },
      () => [
        {
          path: ["auth", "groups", "gpu", 0],
          message: 'GPU group "cpsHPCAcess" is not a group that may sign in; did you mean "cpsHPCAccess"?',
        },
      ],
    );
  });

  test("GPU profiles are open only to GPU and admin groups", () =>
    failsWith(
      "gpuProfilesOnlyForGpuGroups",
      (config, at) => {
        profile(config, at("gpu-single")).groups = ["cps-students"];
      },
      (at) => [
        {
          path: ["profiles", at("gpu-single"), "groups", 0],
          message:
            '"cps-students" has no GPU rights, but this profile requests a GPU; allow only cpsHPCAccess, jupyter_admin',
        },
      ],
    ));

  test("node names are unique", () =>
    failsWith(
      "uniqueNodeNames",
      (config) => {
        (config.nodes[2] as { name: string }).name = "node-mig";
      },
      () => [{ path: ["nodes", 2, "name"], message: 'node "node-mig" is listed twice' }],
    ));

  test("MIG layouts fit the GPU", () => {
    failsWith(
      "migLayoutsFitTheGpus",
      (config) => {
        const layout = config.nodes[0]?.mig?.layout[1] as { slices: Record<string, number> };
        layout.slices = { "2g.10gb": 3, "1g.5gb": 2 };
      },
      () => [
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
      () => [
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
        (config.nodes[0]?.mig as { name?: string }).name = "shared";
        (config.nodes[1] as { mig?: unknown }).mig = {
          name: "shared",
          layout: [{ gpus: [0, 1], slices: { "1g.5gb": 7 } }],
        };
      },
      () => [
        {
          path: ["nodes", 1, "mig", "name"],
          message: 'MIG layout "shared" is defined differently on another node',
        },
      ],
    ));

  test("node labels leave the GPU Operator's and the MIG layout's labels alone", () =>
    failsWith(
      "nodeLabelsLeaveGpuLabelsAlone",
      (config) => {
        (config.nodes[1] as { labels: Record<string, string> }).labels = {
          "cps.unileoben.ac.at/rack": "b2",
          "nvidia.com/mig.config": "all-balanced",
        };
      },
      () => [
        {
          path: ["nodes", 1, "labels", "nvidia.com/mig.config"],
          message:
            '"nvidia.com/mig.config" is set by the GPU Operator or derived from this node\'s gpu and mig; remove it from labels',
        },
      ],
    ));

  test("every profile fits on some node, reported at the field that does not fit", () => {
    failsWith(
      "everyProfileFitsSomeNode",
      (config, at) => {
        (profile(config, at("gpu-dual")).gpu as { count: number }).count = 4;
      },
      (at) => [
        {
          path: ["profiles", at("gpu-dual"), "gpu", "count"],
          message:
            "fits on no node of the inventory: it asks for 4 full GPUs on one node, and the most any node outside MIG mode has is 2 (node-gpu-a)",
        },
      ],
    );
    failsWith(
      "everyProfileFitsSomeNode",
      (config, at) => {
        (profile(config, at("cpu-default")).memory as { guarantee: string }).guarantee = "300Gi";
      },
      (at) => [
        {
          path: ["profiles", at("cpu-default"), "memory", "guarantee"],
          message:
            "fits on no node of the inventory: it guarantees 300Gi memory and the largest node has 256Gi (node-mig)",
        },
      ],
    );
    // Each field fits somewhere, but no node has both: the GPU nodes are small, the big node has no GPU.
    failsWith(
      "everyProfileFitsSomeNode",
      (config, at) => {
        config.nodes[0] = { ...config.nodes[0], memory: "512Gi" } as (typeof config.nodes)[0];
        delete (config.nodes[0] as { gpu?: unknown }).gpu;
        delete (config.nodes[0] as { mig?: unknown }).mig;
        (profile(config, at("gpu-single")).memory as { guarantee: string }).guarantee = "300Gi";
        (profile(config, at("gpu-single")).memory as { limit: string }).limit = "300Gi";
        config.profiles = [config.profiles[at("gpu-single")] as Record<string, unknown>];
      },
      () => [
        {
          path: ["profiles", 0, "memory", "guarantee"],
          message:
            "fits on no node of the inventory: no node has all it needs (node-mig: needs 1 GPUs, node has 0; node-gpu-a: needs 300Gi memory, node has 256Gi; node-gpu-b: needs 300Gi memory, node has 256Gi)",
        },
      ],
    );
  });

  test("a MIG profile's slice exists in some node's layout", () =>
    failsWith(
      "migSliceExistsInSomeLayout",
      (config, at) => {
        (profile(config, at("mig-1g-5gb")).gpu as { migSlice: string }).migSlice = "3g.20gb";
      },
      (at) => [
        {
          path: ["profiles", at("mig-1g-5gb"), "gpu", "migSlice"],
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
      (at) => [
        {
          path: ["profiles", at("gpu-dual"), "gpu", "count"],
          message: "2 GPUs exceed the namespace quota quota.gpus (1)",
        },
        {
          path: ["profiles", at("custom-image"), "customImage", "maxGpus"],
          message: "2 GPUs exceed the namespace quota quota.gpus (1)",
        },
      ],
    ));

  test("MIG quotas name slices the inventory offers", () =>
    failsWith(
      "quotaSlicesExist",
      (config) => {
        (config.quota as { migSlices?: Record<string, number> }).migSlices = { "1g.5gb": 8, "3g.20gb": 1 };
      },
      () => [
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
      () => [
        {
          path: ["hub", "resources", "cpu", "request"],
          message: "'cpu.request' (8) must not exceed 'cpu.limit' (4)",
        },
      ],
    ));

  test("the NFS server is required before deploy, and set it passes", () => {
    const config = editableBaseConfig();
    (config.storage.nfs as { server?: string }).server = undefined;
    assert.equal(RULES.nfsServerIsSet?.(config)[0]?.severity, "deploy");
    (config.storage.nfs as { server?: string }).server = "10.21.4.7";
    assert.deepEqual(RULES.nfsServerIsSet?.(config), []);
  });
});
