/**
 * configurable-http-proxy: Deployment `proxy`, Service `proxy-api` (the hub's route API) and
 * Service `proxy-public` (what the ingress sends users to), and a PodDisruptionBudget.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { ACCESS_LABELS, labels, NAMES, PORTS, PRIORITY_CLASSES, selectorLabels } from "../names";
import {
  containerResources,
  NOBODY_UID,
  objectMeta,
  restrictedContainer,
  restrictedPod,
} from "../pod-defaults";
import { HUB_SECRET_ENV, HUB_SECRET_KEYS } from "./secret-keys";

export interface ProxyArgs {
  readonly config: PlatformConfig;
  readonly namespace: pulumi.Input<string>;
  readonly hubSecretName: pulumi.Input<string>;
}

export class HttpProxy extends pulumi.ComponentResource {
  readonly publicServiceName: pulumi.Output<string>;

  constructor(name: string, args: ProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:Proxy", name, {}, opts);
    const child = { parent: this };
    const { config, namespace } = args;
    const hub = `http://${NAMES.hubService}:${PORTS.hub}`;
    const probe = { httpGet: { path: "/_chp_healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 3 };

    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: objectMeta(NAMES.proxy, namespace, "proxy"),
        spec: {
          replicas: 1,
          // Routes live in CHP's memory; two proxies would each know half of them, so never two at once.
          strategy: { type: "Recreate" },
          selector: { matchLabels: selectorLabels("proxy") },
          template: {
            metadata: {
              labels: labels("proxy", {
                [ACCESS_LABELS.toHub]: "true",
                [ACCESS_LABELS.toSingleuser]: "true",
              }),
            },
            spec: {
              priorityClassName: PRIORITY_CLASSES.platform,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPod(),
              terminationGracePeriodSeconds: 60,
              containers: [
                {
                  name: "chp",
                  image: config.proxy.image,
                  command: [
                    "configurable-http-proxy",
                    "--ip=",
                    "--api-ip=",
                    `--api-port=${PORTS.proxyApi}`,
                    `--default-target=${hub}`,
                    `--error-target=${hub}/hub/error`,
                    `--port=${PORTS.proxyHttp}`,
                  ],
                  env: [
                    {
                      name: HUB_SECRET_ENV.proxyAuthToken,
                      valueFrom: {
                        secretKeyRef: { name: args.hubSecretName, key: HUB_SECRET_KEYS.proxyAuthToken },
                      },
                    },
                  ],
                  ports: [
                    { name: "http", containerPort: PORTS.proxyHttp },
                    { name: "api", containerPort: PORTS.proxyApi },
                  ],
                  resources: containerResources(config.proxy.resources),
                  securityContext: restrictedContainer(NOBODY_UID),
                  readinessProbe: { ...probe, failureThreshold: 3 },
                  livenessProbe: { ...probe, initialDelaySeconds: 30, failureThreshold: 30 },
                },
              ],
            },
          },
        },
      },
      child,
    );

    new k8s.core.v1.Service(
      `${name}-api`,
      {
        metadata: objectMeta(NAMES.proxyApiService, namespace, "proxy"),
        spec: {
          type: "ClusterIP",
          selector: selectorLabels("proxy"),
          ports: [{ name: "api", port: PORTS.proxyApi, targetPort: "api", protocol: "TCP" }],
        },
      },
      child,
    );
    const isLoadBalancer = config.ingress.publicServiceType === "LoadBalancer";
    const publicService = new k8s.core.v1.Service(
      `${name}-public`,
      {
        metadata: objectMeta(NAMES.proxyPublicService, namespace, "proxy"),
        spec: {
          type: config.ingress.publicServiceType,
          ...(isLoadBalancer && config.ingress.loadBalancerIP
            ? { loadBalancerIP: config.ingress.loadBalancerIP }
            : {}),
          selector: selectorLabels("proxy"),
          ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        },
      },
      child,
    );
    // One replica: the budget only serialises voluntary evictions; blocking them would stall node drains.
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: objectMeta(NAMES.proxy, namespace, "proxy"),
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels("proxy") } },
      },
      child,
    );
    this.publicServiceName = publicService.metadata.name;
    this.registerOutputs({ publicServiceName: this.publicServiceName });
  }
}
