/**
 * Image pre-pullers: one DaemonSet per image of the plan (image-prepull-plan.ts: each profile image
 * on the nodes its profiles may run on), so a new node or a new tag is pulled before the first
 * user waits for it. The DaemonSets are built in image-prepuller-spec.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { prePullPlan } from "./image-prepull-plan";
import { prePullerDaemonSet } from "./image-prepuller-spec";

export interface ImagePrePullerArgs {
  readonly config: Pick<PlatformConfig, "profiles" | "prePull">;
  readonly namespace: pulumi.Input<string>;
}

export class ImagePrePuller extends pulumi.ComponentResource {
  constructor(name: string, args: ImagePrePullerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:cluster:ImagePrePuller", name, {}, opts);
    const { config, namespace } = args;
    for (const target of prePullPlan(config)) {
      new k8s.apps.v1.DaemonSet(
        `${name}-${target.name}`,
        prePullerDaemonSet(namespace, target, config.prePull.pauseImage),
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
