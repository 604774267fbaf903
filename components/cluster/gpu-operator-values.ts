/**
 * Values for the upstream NVIDIA GPU Operator chart, from the config alone. The choices that
 * matter on k3s (docs/operations.md, Decisions):
 * - the toolkit writes k3s's containerd config and reloads it through k3s's socket;
 * - `CONTAINERD_SET_AS_DEFAULT=false`: only pods that ask for a GPU get the NVIDIA runtime, so a
 *   broken toolkit cannot take every pod on the node down with it;
 * - `cdi.nriPluginEnabled=false`: the NRI plugin deletes RuntimeClass `nvidia`, which k3s
 *   re-creates on every restart, and the two would fight;
 * - `mig.strategy=mixed`: MIG slices and whole GPUs side by side, each under its own resource.
 */
import { MIG_DISABLED } from "../../config/placement";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES } from "../names";
import { DEVICE_PLUGIN_DEFAULT, devicePluginConfigs } from "./device-plugin-config";

interface ChartSource {
  readonly chart: string;
  readonly version?: string;
  readonly repositoryOpts?: { readonly repo: string };
}

/** Where Helm gets the chart: the pinned repository chart, or a local folder/.tgz when air-gapped. */
export function gpuOperatorChart(config: Pick<PlatformConfig, "gpuOperator">): ChartSource {
  const { chart } = config.gpuOperator;
  if (chart.localPath) return { chart: chart.localPath };
  return { chart: chart.name, version: chart.version, repositoryOpts: { repo: chart.repository } };
}

export function gpuOperatorValues(
  config: Pick<PlatformConfig, "gpuOperator" | "nodes">,
): Record<string, unknown> {
  const operator = config.gpuOperator;
  const timeSliced = devicePluginConfigs(config) !== undefined;
  return {
    operator: { defaultRuntime: "containerd", runtimeClass: operator.runtimeClassName },
    driver: { enabled: operator.driver === "operator" },
    toolkit: {
      enabled: true,
      env: [
        { name: "CONTAINERD_CONFIG", value: operator.toolkit.containerdConfig },
        { name: "CONTAINERD_SOCKET", value: operator.toolkit.containerdSocket },
        { name: "CONTAINERD_RUNTIME_CLASS", value: operator.runtimeClassName },
        { name: "CONTAINERD_SET_AS_DEFAULT", value: "false" },
      ],
    },
    mig: { strategy: "mixed" },
    migManager: { enabled: true, config: { name: NAMES.migConfigMap, default: MIG_DISABLED } },
    devicePlugin: {
      enabled: true,
      ...(timeSliced
        ? { config: { name: NAMES.devicePluginConfigMap, default: DEVICE_PLUGIN_DEFAULT, create: false } }
        : {}),
    },
    dcgmExporter: { enabled: operator.dcgmExporter },
    nfd: { enabled: true },
    cdi: { nriPluginEnabled: false },
  };
}
