/**
 * The network section: what the NetworkPolicies open beyond each component's own needs
 * (components/cluster/network-policy-rules.ts; the table is in docs/operations.md).
 */
import { z } from "zod";
import { quote } from "../issues";
import { cidr, dnsLabel, port } from "./common";

/** A label key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
const LABEL_KEY =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = z.string().regex(/^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
  message:
    "must be a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
});

export const egressRuleSchema = z.strictObject({
  name: dnsLabel.describe("What the exception is for, e.g. pypi-mirror."),
  cidr: cidr.describe(
    "The destination range, e.g. 10.21.7.0/24. It may not hold the metadata address 169.254.169.254.",
  ),
  ports: z
    .array(z.strictObject({ port: port, protocol: z.enum(["TCP", "UDP"]).default("TCP") }))
    .min(1)
    .describe("Ports allowed to that range."),
  from: z
    .array(z.enum(["hub", "proxy", "singleuser"]))
    .min(1)
    .default(["singleuser"])
    .describe("Which pods may use the exception."),
});

export const metricsScraperSchema = z.strictObject({
  namespace: dnsLabel.describe("Namespace of the scraper, e.g. monitoring."),
  podLabels: z
    .record(z.string(), labelValue)
    // Checked here rather than as the record's key schema, so the message names the key.
    .superRefine((labels, ctx) => {
      for (const key of Object.keys(labels)) {
        if (!LABEL_KEY.test(key)) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${quote(key)} is not a label key; write one such as app.kubernetes.io/name`,
          });
        }
      }
    })
    .default({})
    .describe(
      "Labels of the scraper's pods, e.g. {app.kubernetes.io/name: prometheus}; empty: every pod of the namespace.",
    ),
});

export const networkSchema = z
  .strictObject({
    publicInternet: z
      .boolean()
      .default(true)
      .describe(
        "User pods may reach public addresses on ports 80 and 443 (and extraPublicPorts); private, CGNAT, link-local and campus ranges stay closed.",
      ),
    extraPublicPorts: z
      .array(port)
      .default([])
      .describe(
        "More TCP ports user pods may open to public addresses, besides 80 and 443, e.g. [22] for git over SSH.",
      ),
    campusRanges: z
      .array(
        cidr.refine((range) => !range.endsWith("/0"), {
          message: "would close every address; set publicInternet: false instead",
        }),
      )
      .default([])
      .describe(
        "Public address ranges of the campus, closed to user pods like the private ranges; open single hosts with egress.",
      ),
    kubernetesApi: z
      .array(cidr)
      .default([])
      .describe(
        "Address(es) of the Kubernetes API server (kubectl get endpoints kubernetes). Empty: the hub, user scheduler and NFS provisioner may open 443 and 6443 to any address but link-local.",
      ),
    oauthProvider: z
      .array(cidr)
      .default([])
      .describe(
        "Address(es) of the identity provider the hub calls. Empty: any public address on its URLs' ports; required when it has a private address.",
      ),
    egress: z
      .array(egressRuleSchema)
      .default([])
      .describe("More destinations (private or campus ranges, a mirror, a licence server) to open."),
    ingressControllerNodes: z
      .array(cidr)
      .default([])
      .describe(
        "Node address ranges a hostNetwork ingress controller sends from; they may reach the proxy's port 8000.",
      ),
    metricsScrapers: z
      .array(metricsScraperSchema)
      .default([])
      .describe(
        "Pods (e.g. Prometheus) that may scrape the hub's /hub/metrics (port 8081) and the proxy's metrics (port 8002).",
      ),
  })
  .prefault({});
