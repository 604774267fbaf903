/** Where the platform runs and how users reach it. */
import { z } from "zod";
import { dnsLabel, hostname, ipv4 } from "./common";

export const clusterSchema = z
  .strictObject({
    name: dnsLabel.default("cps-gpu").describe("A short name for the cluster, used in summaries."),
    kubernetesVersion: z
      .string()
      .regex(/^1\.\d+$/, { message: 'must be a Kubernetes minor version such as "1.33"' })
      .default("1.33")
      .describe("Kubernetes minor version of the cluster; manifests are checked against its API."),
    namespace: dnsLabel.default("jupyterhub").describe("Namespace of the hub, proxy and user pods."),
  })
  .describe("The Kubernetes cluster.");

export const ingressSchema = z
  .strictObject({
    host: hostname.describe("Public host name of the hub."),
    className: z.string().default("nginx").describe("IngressClass that serves the host."),
    loadBalancerIP: ipv4.optional().describe("Address the ingress controller's load balancer answers on."),
    tls: z
      .discriminatedUnion("mode", [
        z.strictObject({
          mode: z.literal("existingSecret"),
          secretName: dnsLabel.describe(
            "A kubernetes.io/tls Secret in the hub's namespace. Any pod the hub creates there could mount it: prefer a certificate for the hub's host only, or controllerDefault for a wildcard.",
          ),
        }),
        z
          .strictObject({ mode: z.literal("controllerDefault") })
          .describe(
            "The Ingress names no Secret: the ingress controller serves its default certificate (ingress-nginx --default-ssl-certificate), kept in the controller's namespace.",
          ),
        z.strictObject({ mode: z.literal("selfSigned") }),
      ])
      .prefault({ mode: "selfSigned" })
      .describe(
        "TLS for the host: an existing certificate Secret (prod), the ingress controller's default certificate, or a generated self-signed one (dev).",
      ),
    proxyBodySize: z
      .string()
      .default("512m")
      .describe("Largest upload through the ingress (notebooks, data)."),
    timeoutSeconds: z
      .number()
      .int()
      .min(60)
      .default(3600)
      .describe("Read/send timeout, long enough for idle kernel websockets."),
    controllerNamespace: dnsLabel
      .default("ingress-nginx")
      .describe("Namespace of the ingress controller, the only source of public traffic to the proxy."),
    publicServiceType: z
      .enum(["ClusterIP", "LoadBalancer", "NodePort"])
      .default("ClusterIP")
      .describe("Type of Service proxy-public; ClusterIP when an ingress controller fronts it."),
  })
  .describe("How users reach the hub.");
