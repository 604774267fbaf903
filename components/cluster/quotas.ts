/**
 * Fairness in the hub's namespace: a ResourceQuota (the ceiling on what all users together hold)
 * and a LimitRange (defaults for containers that state no resources). Priority classes are in
 * priority-classes.ts; Pod Security labels on the namespaces in namespace.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES, PLATFORM_LABELS } from "../names";
import { containerDefaults, quotaHard } from "./quota-figures";

export interface QuotasArgs {
  readonly config: Pick<PlatformConfig, "quota" | "nodes" | "profiles">;
  readonly namespace: pulumi.Input<string>;
}

export class Quotas extends pulumi.ComponentResource {
  constructor(name: string, args: QuotasArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:cluster:Quotas", name, {}, opts);
    const child = { parent: this };
    const metadata = (resourceName: string) => ({
      name: resourceName,
      namespace: args.namespace,
      labels: { ...PLATFORM_LABELS },
    });
    new k8s.core.v1.ResourceQuota(
      `${name}-quota`,
      { metadata: metadata(NAMES.quota), spec: { hard: quotaHard(args.config) } },
      child,
    );
    new k8s.core.v1.LimitRange(
      `${name}-limits`,
      { metadata: metadata(NAMES.limitRange), spec: { limits: [containerDefaults(args.config)] } },
      child,
    );
    this.registerOutputs({});
  }
}
