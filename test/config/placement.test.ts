/**
 * Placement is decided once (config/placement.ts): the labels Pulumi sets, the labels a node
 * carries, the pods' node affinity and the planner's "MIG mode" all say the same thing for every
 * node of the inventory.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nodeCapacity } from "../../config/derived";
import {
  DEVICE_PLUGIN_CONFIG_LABEL,
  expectedNodeLabels,
  fullGpuAffinity,
  MIG_CONFIG_LABEL,
  managedNodeLabels,
  migAffinity,
  nodeLabelPlan,
  nodeSelectorMatches,
} from "../../config/placement";
import type { NodeSpec } from "../../config/schema/nodes";
import { prodConfig } from "../helpers";
import { baseConfig } from "./base";

const node = (spec: Partial<NodeSpec> & { name: string }): NodeSpec =>
  ({ cpu: "64", memory: "256Gi", labels: {}, ...spec }) as NodeSpec;

const INVENTORY: NodeSpec[] = [
  ...prodConfig().nodes,
  ...baseConfig().nodes,
  node({ name: "cpu-only" }),
  node({ name: "l40s", gpu: { model: "L40S", count: 4 } }),
  node({ name: "shared", gpu: { model: "A100-80GB", count: 2, timeSlicing: { replicas: 4 } } }),
  node({
    name: "half-mig",
    gpu: { model: "A100-40GB", count: 2 },
    mig: { layout: [{ gpus: [0], slices: { "3g.20gb": 2 } }] },
  }),
];

describe("one placement", () => {
  for (const spec of INVENTORY) {
    test(`${spec.name}: the affinities match it exactly when the planner says they may`, () => {
      const labels = expectedNodeLabels(spec);
      const capacity = nodeCapacity(spec);
      assert.equal(nodeSelectorMatches(migAffinity(), labels), capacity.migMode, "MIG slices");
      assert.equal(
        nodeSelectorMatches(fullGpuAffinity(), labels),
        spec.gpu !== undefined && !capacity.migMode,
        "full GPUs",
      );
      for (const [key, value] of Object.entries(managedNodeLabels(spec))) {
        assert.equal(labels[key], value, `the node carries what Pulumi sets: ${key}`);
      }
    });
  }

  test("what Pulumi sets: the layout on MIG nodes, all-disabled on other MIG-capable ones, the plugin config on shared ones", () => {
    const byNode = Object.fromEntries(
      nodeLabelPlan({ nodes: INVENTORY.slice(-4) }).map((entry) => [entry.node, entry.labels]),
    );
    assert.deepEqual(byNode, {
      shared: { [MIG_CONFIG_LABEL]: "all-disabled", [DEVICE_PLUGIN_CONFIG_LABEL]: "time-slicing-4" },
      "half-mig": { [MIG_CONFIG_LABEL]: "g0-3g.20gbx2" },
    });
  });
});
