/**
 * The NVIDIA GPU Operator: the upstream chart as a Helm release (rendered by Helm at deploy time)
 * in its own namespace, our MIG layout ConfigMap, the device plugin's time-slicing configs, and
 * the labels that tell each node which layout and config to use (config/placement.ts: a MIG-capable
 * node outside MIG mode gets `all-disabled` explicitly, so leaving MIG mode is an ordinary update).
 *
 * Not here: RuntimeClass `nvidia`. k3s ships it (manifests/runtimes.yaml) and the operator looks
 * it up too; a third owner in Pulumi would fight both (docs/operations.md, Decisions).
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
import { gpuOperatorConfigMaps, gpuOperatorRelease, nodeLabelPatch } from "./gpu-operator-spec";
import { podSecurityNamespace } from "./namespace";

export interface GpuOperatorArgs {
  readonly config: Pick<PlatformConfig, "gpuOperator" | "nodes">;
}

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
    ).metadata.name;
    const configs = gpuOperatorConfigMaps(namespace, config).map(
      ({ suffix, args: configMap }) => new k8s.core.v1.ConfigMap(`${name}-${suffix}`, configMap, child),
    );
    // Labels go on after the configs they name exist, and before the operator starts, so it never
    // sees a MIG node without its layout.
    const patches = nodeLabelPlan(config).map(
      ({ node, labels }) =>
        new k8s.core.v1.NodePatch(`${name}-node-${node}`, nodeLabelPatch(node, labels), {
          parent: this,
          dependsOn: configs,
          retainOnDelete: true,
        }),
    );
    new k8s.helm.v3.Release(`${name}-release`, gpuOperatorRelease(namespace, config), {
      parent: this,
      dependsOn: [...configs, ...patches],
    });

    this.namespace = namespace;
    this.registerOutputs({ namespace: this.namespace });
  }
}
