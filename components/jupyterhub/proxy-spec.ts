/**
 * configurable-http-proxy's objects as plain values: Deployment `proxy`, Service `proxy-api` (the
 * hub's route API), Service `proxy-public` (what the ingress sends users to). Pure; proxy.ts
 * makes them resources.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { ACCESS_LABELS, HUB_URL, labels, NAMES, PORTS, PRIORITY_CLASSES, selectorLabels } from "../names";
import {
  containerResources,
  NOBODY_UID,
  objectMeta,
  restrictedContainer,
  restrictedPod,
  secretEnv,
} from "../pod-defaults";
import { HUB_SECRET_ENV, HUB_SECRET_KEYS } from "./secret-keys";

/** Deployment `proxy`: one replica, the route API token from Secret `hub`. */
export function proxyDeployment(
  namespace: pulumi.Input<string>,
  proxy: PlatformConfig["proxy"],
  hubSecretName: pulumi.Input<string>,
) {
  const probe = { httpGet: { path: "/_chp_healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 3 };
  return {
    metadata: objectMeta(NAMES.proxy, namespace, "proxy"),
    spec: {
      replicas: 1,
      // Routes live in CHP's memory; two proxies would each know half of them, so never two at once.
      strategy: { type: "Recreate" },
      selector: { matchLabels: selectorLabels("proxy") },
      template: {
        metadata: {
          labels: labels("proxy", { [ACCESS_LABELS.toHub]: "true", [ACCESS_LABELS.toSingleuser]: "true" }),
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
              image: proxy.image,
              command: [
                "configurable-http-proxy",
                "--ip=",
                "--api-ip=",
                `--api-port=${PORTS.proxyApi}`,
                `--default-target=${HUB_URL}`,
                `--error-target=${HUB_URL}/hub/error`,
                `--port=${PORTS.proxyHttp}`,
                "--metrics-ip=",
                `--metrics-port=${PORTS.proxyMetrics}`,
              ],
              env: [secretEnv(HUB_SECRET_ENV.proxyAuthToken, hubSecretName, HUB_SECRET_KEYS.proxyAuthToken)],
              ports: [
                { name: "http", containerPort: PORTS.proxyHttp },
                { name: "api", containerPort: PORTS.proxyApi },
                { name: "metrics", containerPort: PORTS.proxyMetrics },
              ],
              resources: containerResources(proxy.resources),
              securityContext: restrictedContainer(NOBODY_UID),
              readinessProbe: { ...probe, failureThreshold: 3 },
              livenessProbe: { ...probe, initialDelaySeconds: 30, failureThreshold: 30 },
            },
          ],
        },
      },
    },
  };
}

/** Service `proxy-api`: the hub's calls to the route API. */
export function proxyApiService(namespace: pulumi.Input<string>) {
  return {
    metadata: objectMeta(NAMES.proxyApiService, namespace, "proxy"),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels("proxy"),
      ports: [{ name: "api", port: PORTS.proxyApi, targetPort: "api", protocol: "TCP" }],
    },
  };
}

/** Service `proxy-public`, of the configured type; the load balancer's address only for a LoadBalancer. */
export function proxyPublicService(namespace: pulumi.Input<string>, ingress: PlatformConfig["ingress"]) {
  const loadBalancerIP = ingress.publicServiceType === "LoadBalancer" ? ingress.loadBalancerIP : undefined;
  return {
    metadata: objectMeta(NAMES.proxyPublicService, namespace, "proxy"),
    spec: {
      type: ingress.publicServiceType,
      ...(loadBalancerIP ? { loadBalancerIP } : {}),
      selector: selectorLabels("proxy"),
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    },
  };
}
