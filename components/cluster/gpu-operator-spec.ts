/**
 * The GPU Operator's objects as plain values: the ConfigMaps it reads (our MIG layouts, the device
 * plugin's time-slicing configs), a node's label patch and the Helm release of the upstream chart
 * (gpu-operator-values.ts). Pure; gpu-operator.ts makes them resources.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES, PLATFORM_LABELS } from "../names";
import { devicePluginConfigs } from "./device-plugin-config";
import { gpuOperatorChart, gpuOperatorValues } from "./gpu-operator-values";
import { MIG_CONFIG_KEY, migPartedConfigYaml } from "./mig-parted-config";

/** Helm waits for the operator and NFD pods; the operands come later, from the operator itself. */
const RELEASE_TIMEOUT_SECONDS = 600;

/** A ConfigMap of the operator's namespace, with the suffix of its Pulumi name. */
export interface OperatorConfigMap {
  readonly suffix: string;
  readonly args: {
    readonly metadata: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> };
    readonly data: Record<string, string>;
  };
}

/** The MIG layouts, and the device plugin's configs when a node shares its GPUs. */
export function gpuOperatorConfigMaps(
  namespace: pulumi.Input<string>,
  config: Pick<PlatformConfig, "nodes">,
): OperatorConfigMap[] {
  const configMap = (suffix: string, name: string, data: Record<string, string>): OperatorConfigMap => ({
    suffix,
    args: { metadata: { name, namespace, labels: { ...PLATFORM_LABELS } }, data },
  });
  const pluginData = devicePluginConfigs(config);
  return [
    configMap("mig-config", NAMES.migConfigMap, { [MIG_CONFIG_KEY]: migPartedConfigYaml(config) }),
    ...(pluginData ? [configMap("device-plugin-config", NAMES.devicePluginConfigMap, pluginData)] : []),
  ];
}

/** A node's labels; `patchForce` takes them over from the operator, which labels new MIG nodes itself. */
export function nodeLabelPatch(node: string, labels: Record<string, string>) {
  return { metadata: { name: node, labels, annotations: { "pulumi.com/patchForce": "true" } } };
}

/** The upstream chart as a Helm release in the operator's own namespace. */
export function gpuOperatorRelease(
  namespace: pulumi.Input<string>,
  config: Pick<PlatformConfig, "gpuOperator" | "nodes">,
) {
  return {
    name: NAMES.gpuOperatorRelease,
    namespace,
    createNamespace: false,
    ...gpuOperatorChart(config),
    values: gpuOperatorValues(config),
    timeout: RELEASE_TIMEOUT_SECONDS,
  };
}
