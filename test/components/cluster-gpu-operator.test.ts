/**
 * The GPU Operator: the upstream chart with values from config, our MIG layout ConfigMap, the
 * node labels that pick each node's layout, and nothing at all when the operator is switched off.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { parse } from "yaml";
import { isMigCapable, MIG_CONFIG_LABEL, MIG_DISABLED, migLayoutName } from "../../config/placement";
import type { PlatformConfig } from "../../config/schema/platform";
import type { CollectedResource } from "../../render/collect";
import { editableProdConfig, prodConfig } from "../helpers";
import { type Rendered, render } from "./render-helpers";

const RELEASE = "kubernetes:helm.sh/v3:Release";

function release(rendered: Rendered): CollectedResource {
  const found = rendered.resources.filter((resource) => resource.type === RELEASE);
  assert.equal(found.length, 1, "one Helm release");
  return found[0] as CollectedResource;
}

function values(rendered: Rendered) {
  // biome-ignore lint/suspicious/noExplicitAny: chart values are free-form; the test reads them by path.
  return release(rendered).inputs.values as any;
}

function nodePatches(rendered: Rendered) {
  return rendered.resources.filter((resource) => resource.type === "kubernetes:core/v1:NodePatch");
}

function labelsByNode(rendered: Rendered): Record<string, Record<string, string>> {
  return Object.fromEntries(
    nodePatches(rendered).map((patch) => {
      const metadata = patch.inputs.metadata as { name: string; labels: Record<string, string> };
      return [metadata.name, metadata.labels];
    }),
  );
}

let prod: Rendered;
before(async () => {
  prod = await render(prodConfig());
});

describe("GPU Operator", () => {
  test("the MIG ConfigMap for prod: k3s-wk-gpu1's layout in mig-parted format, and all-disabled", () => {
    const configMap = prod.get("ConfigMap", "cps-mig-parted-config");
    assert.equal(configMap.metadata.namespace, "gpu-operator");
    assert.deepEqual(Object.keys(configMap.data), ["config.yaml"]);
    assert.equal(
      configMap.data["config.yaml"],
      [
        "version: v1",
        "mig-configs:",
        "  all-disabled:",
        "    - devices: all",
        "      mig-enabled: false",
        "  cps-1g5x8-2g10x3:",
        "    - devices: [0]",
        "      mig-enabled: true",
        "      mig-devices:",
        "        1g.5gb: 7",
        "    - devices: [1]",
        "      mig-enabled: true",
        "      mig-devices:",
        "        2g.10gb: 3",
        "        1g.5gb: 1",
        "",
      ].join("\n"),
    );
    assert.deepEqual(parse(configMap.data["config.yaml"]), {
      version: "v1",
      "mig-configs": {
        "all-disabled": [{ devices: "all", "mig-enabled": false }],
        "cps-1g5x8-2g10x3": [
          { devices: [0], "mig-enabled": true, "mig-devices": { "1g.5gb": 7 } },
          { devices: [1], "mig-enabled": true, "mig-devices": { "2g.10gb": 3, "1g.5gb": 1 } },
        ],
      },
    });
  });

  test("node labels: k3s-wk-gpu1 gets its MIG layout, the others whole GPUs; retained on delete, forced", () => {
    const labels = labelsByNode(prod);
    // The seed's nodes (docs/profiles.md, "What the tests know about prod").
    assert.deepEqual(labels["k3s-wk-gpu1"], { "nvidia.com/mig.config": "cps-1g5x8-2g10x3" });
    for (const name of ["k3s-wk-gpu2", "k3s-wk-gpu3", "k3s-wk-gpu4"])
      assert.deepEqual(labels[name], { "nvidia.com/mig.config": "all-disabled" }, name);
    // Every MIG-capable node of the inventory: its layout's name in MIG mode, all-disabled otherwise.
    for (const node of prodConfig().nodes.filter(isMigCapable))
      assert.equal(labels[node.name]?.[MIG_CONFIG_LABEL], migLayoutName(node) ?? MIG_DISABLED, node.name);
    for (const patch of nodePatches(prod)) {
      assert.equal(patch.inputs.kind, "Node");
      assert.equal(patch.options.retainOnDelete, true, patch.name);
      assert.deepEqual((patch.inputs.metadata as { annotations: unknown }).annotations, {
        "pulumi.com/patchForce": "true",
      });
    }
  });

  test("the chart: upstream gpu-operator, pinned, in its own namespace, not a RuntimeClass of ours", () => {
    const { inputs } = release(prod);
    assert.equal(inputs.chart, "gpu-operator");
    assert.equal(inputs.version, "v26.3.3");
    assert.deepEqual(inputs.repositoryOpts, { repo: "https://helm.ngc.nvidia.com/nvidia" });
    assert.equal(inputs.name, "gpu-operator");
    assert.equal(inputs.namespace, "gpu-operator");
    assert.equal(inputs.createNamespace, false);
    assert.equal(prod.all("RuntimeClass").length, 0, "k3s ships RuntimeClass nvidia");
  });

  test("chart values: host driver, k3s containerd, mixed MIG with our ConfigMap, DCGM, NFD, no NRI", () => {
    assert.deepEqual(values(prod), {
      operator: { defaultRuntime: "containerd", runtimeClass: "nvidia" },
      driver: { enabled: false },
      toolkit: {
        enabled: true,
        env: [
          { name: "CONTAINERD_CONFIG", value: "/var/lib/rancher/k3s/agent/etc/containerd/config.toml" },
          { name: "CONTAINERD_SOCKET", value: "/run/k3s/containerd/containerd.sock" },
          { name: "CONTAINERD_RUNTIME_CLASS", value: "nvidia" },
          { name: "CONTAINERD_SET_AS_DEFAULT", value: "false" },
        ],
      },
      mig: { strategy: "mixed" },
      migManager: { enabled: true, config: { name: "cps-mig-parted-config", default: "all-disabled" } },
      devicePlugin: { enabled: true },
      dcgmExporter: { enabled: true },
      nfd: { enabled: true },
      cdi: { nriPluginEnabled: false },
    });
  });

  test("the namespace is Pod Security privileged, the documented exception", () => {
    const namespace = prod.get("Namespace", "gpu-operator");
    assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "privileged");
    assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/warn"], "privileged");
  });

  test("an operator-managed driver, no DCGM exporter, and a local chart for air-gapped installs", async () => {
    const config = editableProdConfig();
    const operator = config.gpuOperator as {
      driver: string;
      dcgmExporter: boolean;
      chart: { localPath?: string };
    };
    operator.driver = "operator";
    operator.dcgmExporter = false;
    operator.chart.localPath = "./charts/gpu-operator-v26.3.3.tgz";
    const rendered = await render(config);
    const { inputs } = release(rendered);
    assert.equal(inputs.chart, "./charts/gpu-operator-v26.3.3.tgz");
    assert.equal(inputs.version, undefined);
    assert.equal(inputs.repositoryOpts, undefined);
    assert.deepEqual(values(rendered).driver, { enabled: true });
    assert.deepEqual(values(rendered).dcgmExporter, { enabled: false });
  });

  test("time-sliced nodes get a device plugin config and its label; node labels from the inventory", async () => {
    const config = editableProdConfig();
    const [, gpu2, gpu3] = config.nodes as PlatformConfig["nodes"][number][];
    (gpu2 as { gpu: unknown }).gpu = { model: "A100-40GB", count: 2, timeSlicing: { replicas: 4 } };
    (gpu3 as { labels: Record<string, string> }).labels = { "cps.unileoben.ac.at/rack": "b2" };
    const rendered = await render(config);
    assert.deepEqual(values(rendered).devicePlugin, {
      enabled: true,
      config: { name: "cps-device-plugin-config", default: "default", create: false },
    });
    const pluginConfig = rendered.get("ConfigMap", "cps-device-plugin-config");
    assert.equal(pluginConfig.metadata.namespace, "gpu-operator");
    assert.deepEqual(parse(pluginConfig.data["time-slicing-4"]), {
      version: "v1",
      flags: { migStrategy: "mixed" },
      sharing: { timeSlicing: { resources: [{ name: "nvidia.com/gpu", replicas: 4 }] } },
    });
    assert.deepEqual(parse(pluginConfig.data.default), { version: "v1", flags: { migStrategy: "mixed" } });
    const labels = labelsByNode(rendered);
    assert.deepEqual(labels["k3s-wk-gpu2"], {
      "nvidia.com/mig.config": "all-disabled",
      "nvidia.com/device-plugin.config": "time-slicing-4",
    });
    assert.deepEqual(labels["k3s-wk-gpu3"], {
      "cps.unileoben.ac.at/rack": "b2",
      "nvidia.com/mig.config": "all-disabled",
    });
  });

  test("two nodes with one layout share its entry; GPUs outside the layout stay whole", async () => {
    const config = editableProdConfig();
    const layout = [{ gpus: [0], slices: { "3g.20gb": 2 } }];
    (config.nodes[2] as { mig: unknown }).mig = { layout };
    (config.nodes[3] as { mig: unknown }).mig = { layout };
    const rendered = await render(config);
    const migConfigs = parse(rendered.get("ConfigMap", "cps-mig-parted-config").data["config.yaml"])[
      "mig-configs"
    ];
    assert.deepEqual(Object.keys(migConfigs), ["all-disabled", "cps-1g5x8-2g10x3", "g0-3g.20gbx2"]);
    assert.deepEqual(migConfigs["g0-3g.20gbx2"], [
      { devices: [0], "mig-enabled": true, "mig-devices": { "3g.20gb": 2 } },
      { devices: [1], "mig-enabled": false },
    ]);
    const labels = labelsByNode(rendered);
    assert.equal(labels["k3s-wk-gpu3"]?.["nvidia.com/mig.config"], "g0-3g.20gbx2");
    assert.equal(labels["k3s-wk-gpu4"]?.["nvidia.com/mig.config"], "g0-3g.20gbx2");
  });

  test("switched off: no chart, no namespace, no ConfigMap, no node label", async () => {
    const config = editableProdConfig();
    (config.gpuOperator as { enabled: boolean }).enabled = false;
    const rendered = await render(config);
    assert.equal(rendered.resources.filter((resource) => resource.type === RELEASE).length, 0);
    assert.equal(nodePatches(rendered).length, 0);
    assert.ok(!rendered.all("Namespace").some((namespace) => namespace.metadata.name === "gpu-operator"));
    assert.ok(
      !rendered.all("ConfigMap").some((configMap) => configMap.metadata.name === "cps-mig-parted-config"),
    );
  });
});
