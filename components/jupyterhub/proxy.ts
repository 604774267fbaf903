/**
 * configurable-http-proxy: Deployment `proxy`, Service `proxy-api` (the hub's route API), Service
 * `proxy-public` (what the ingress sends users to) and a PodDisruptionBudget, from proxy-spec.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES } from "../names";
import { maxOneUnavailable } from "../pod-defaults";
import { proxyApiService, proxyDeployment, proxyPublicService } from "./proxy-spec";

export interface ProxyArgs {
  readonly config: Pick<PlatformConfig, "proxy" | "ingress">;
  readonly namespace: pulumi.Input<string>;
  /** Secret `hub`, which holds the route API token the hub and the proxy share. */
  readonly hubSecretName: pulumi.Input<string>;
}

// biome-ignore lint/suspicious/noShadowRestrictedNames: the class is named after its type token (…:Proxy), which also names the rendered proxy.yaml.
export class Proxy extends pulumi.ComponentResource {
  readonly publicServiceName: pulumi.Output<string>;

  constructor(name: string, args: ProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:Proxy", name, {}, opts);
    const child = { parent: this };
    const { config, namespace } = args;

    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      proxyDeployment(namespace, config.proxy, args.hubSecretName),
      child,
    );
    new k8s.core.v1.Service(`${name}-api`, proxyApiService(namespace), child);
    const publicService = new k8s.core.v1.Service(
      `${name}-public`,
      proxyPublicService(namespace, config.ingress),
      child,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      maxOneUnavailable(NAMES.proxy, namespace, "proxy"),
      child,
    );

    this.publicServiceName = publicService.metadata.name;
    this.registerOutputs({ publicServiceName: this.publicServiceName });
  }
}
