/**
 * The NVIDIA GPU Operator: the upstream chart as a Helm release (rendered by Helm at deploy time)
 * in its own namespace, our MIG layout ConfigMap, the device plugin's time-slicing configs, and
 * the labels that tell each node which layout and config to use (config/placement.ts: a MIG-capable
 * node outside MIG mode gets `all-disabled` explicitly, so leaving MIG mode is an ordinary update).
 *
 * Not here: RuntimeClass `nvidia`. k3s ships it (manifests/runtimes.yaml) and the operator looks
 * it up too; a third owner in Pulumi would fight both (research/gpu-nfs.md §1).
 *
 * Node labels are NodePatches with `retainOnDelete`: deleting a patch relinquishes its fields, and
 * removing `nvidia.com/mig.config` from a live node makes the operator reset it to all-disabled,
 * which stops every GPU pod on it. So neither `pulumi destroy` nor dropping a node from the
 * inventory touches a running node's layout; changing a node's layout is an ordinary update.
 * `pulumi.com/patchForce` takes the label over from the operator, which sets all-disabled on any
 * MIG-capable node it sees first.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { nodeLabelPlan } from "../../config/placement";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES, PLATFORM_LABELS } from "../names";
import { devicePluginConfigs } from "./device-plugin-config";
import { gpuOperatorChart, gpuOperatorValues } from "./gpu-operator-values";
import { MIG_CONFIG_KEY, migPartedConfigYaml } from "./mig-parted-config";
import { podSecurityNamespace } from "./namespace";

export interface GpuOperatorArgs {
  readonly config: PlatformConfig;
}

/** Helm waits for the operator and NFD pods; the operands come later, from the operator itself. */
const RELEASE_TIMEOUT_SECONDS = 600;

export class GpuOperator extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: GpuOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:cluster:GpuOperator", name, {}, opts);
    const child = { parent: this };
    const { config } = args;

    // Driver, toolkit, device plugin, MIG manager and NFD need host access: privileged is the
    // documented requirement (NVIDIA prerequisites), and warnings about it would only be noise.
    const namespace = podSecurityNamespace(
      `${name}-namespace`,
      config.gpuOperator.namespace,
      "privileged",
      child,
      "privileged",
    );
    const meta = (resourceName: string) => ({
      name: resourceName,
      namespace: namespace.metadata.name,
      labels: { ...PLATFORM_LABELS },
    });

    const migConfig = new k8s.core.v1.ConfigMap(
      `${name}-mig-config`,
      { metadata: meta(NAMES.migConfigMap), data: { [MIG_CONFIG_KEY]: migPartedConfigYaml(config) } },
      child,
    );
    const pluginData = devicePluginConfigs(config);
    const configs: pulumi.Resource[] = [migConfig];
    if (pluginData) {
      configs.push(
        new k8s.core.v1.ConfigMap(
          `${name}-device-plugin-config`,
          { metadata: meta(NAMES.devicePluginConfigMap), data: pluginData },
          child,
        ),
      );
    }

    // Labels go on after the configs they name exist, and before the operator starts, so it never
    // sees a MIG node without its layout.
    const patches = nodeLabelPlan(config).map(
      ({ node, labels }) =>
        new k8s.core.v1.NodePatch(
          `${name}-node-${node}`,
          { metadata: { name: node, labels, annotations: { "pulumi.com/patchForce": "true" } } },
          { parent: this, dependsOn: configs, retainOnDelete: true },
        ),
    );

    new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: NAMES.gpuOperatorRelease,
        namespace: namespace.metadata.name,
        createNamespace: false,
        ...gpuOperatorChart(config),
        values: gpuOperatorValues(config),
        timeout: RELEASE_TIMEOUT_SECONDS,
      },
      { parent: this, dependsOn: [...configs, ...patches] },
    );

    this.namespace = namespace.metadata.name;
    this.registerOutputs({ namespace: this.namespace });
  }
}
