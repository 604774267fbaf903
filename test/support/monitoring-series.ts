/**
 * Series as the real exporters write them (the DCGM exporter with the kubelet's pod-resources mapping,
 * JupyterHub 5.x, kube-state-metrics), a config with the monitoring section, and `promtool test rules`
 * on the rule builder's groups: shared by the monitoring and dashboard tests.
 */
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { monitoringRuleGroups } from "../../components/cluster/monitoring-rules";
import { monitoringSchema } from "../../config/schema/monitoring";
import type { PlatformConfig } from "../../config/schema/platform";
import { editableProdConfig } from "../helpers";
import { folderWith, promtool } from "./promtool";

export const RULES_FILE = "jupyterhub.rules.yaml";

/** The prod config with the monitoring section given (enabled). */
export function withMonitoring(monitoring: object): PlatformConfig {
  const config = editableProdConfig();
  config.monitoring = monitoringSchema.parse({ enabled: true, ...monitoring });
  return config;
}

export const DCGM = {
  job: "dcgm-exporter",
  instance: "10.42.1.5:9400",
  namespace: "jupyterhub",
  container: "notebook",
};
export const A100 = { Hostname: "gpu-node-1", modelName: "NVIDIA A100 80GB PCIe" };
export const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(",")}}`,
  values,
});
export const gpu = (pod: string, index: string, values: string) =>
  series("DCGM_FI_DEV_GPU_UTIL", { ...DCGM, ...A100, pod, gpu: index, UUID: `GPU-${pod}` }, values);
export const slice = (pod: string, id: string, values: string) =>
  series(
    "DCGM_FI_PROF_GR_ENGINE_ACTIVE",
    { ...DCGM, ...A100, pod, gpu: "0", UUID: "GPU-mig", GPU_I_PROFILE: "1g.5gb", GPU_I_ID: id },
    values,
  );

/** A promtool test file over the config's rules (RULES_FILE), evaluated every `interval`. */
export function ruleTests(cases: readonly object[], interval = "1m") {
  return { rule_files: [RULES_FILE], evaluation_interval: interval, tests: cases };
}

/** `promtool test rules` on `tests` (a promtool test file), with the config's rule groups as RULES_FILE. */
export function expectPass(config: PlatformConfig, tests: object): void {
  const rules = { groups: monitoringRuleGroups(config) };
  const folder = folderWith({ [RULES_FILE]: rules, "tests.yaml": stringify(tests) });
  const result = promtool(folder, "test", "rules", "tests.yaml");
  assert.ok(result.ok, result.output);
}
