/**
 * The audit section: where the hub's audit lines (hub/usage_audit.py, written with usage enabled) are
 * shipped. With `shipping.elasticsearch` the hub pod gets a Filebeat sidecar that reads the lines
 * from a file the hub writes (components/jupyterhub/audit-shipper-spec.ts; docs/operations.md,
 * "Shipping the audit lines"). Absent: nothing is rendered, the lines stay in the hub's log.
 */
import { z } from "zod";
import { cidr, cpuQuantity, dnsLabel, memoryQuantity, pinnedImage } from "./common";

/** The Filebeat build the tests run (tools/ensure-filebeat.sh); the image must be the same version. */
export const FILEBEAT_VERSION = "7.17.29";

// Elasticsearch's rules for an index name (lowercase; none of \ / * ? " < > | , # space; not
// starting with - _ +), plus Filebeat's date pattern %{+yyyy.MM}.
const INDEX = /^(?![-_+])(?:[^A-Z\\/*?"<>|,# %{}]|%\{\+[yMd.-]+\})+$/;

const EXPLICIT_PORT = /^https?:\/\/(?:\[[^\]]+\]|[^/?#:[\]]+):\d+(?:[/?#].*)?$/;

const elasticsearchSchema = z.strictObject({
  hosts: z
    .array(
      z
        .url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://es.example:9200" })
        // Filebeat dials 9200 when a host names no port, whatever the scheme, while the hub's
        // network policy would open the scheme's port (443/80): a port-less host would ship nothing.
        .regex(EXPLICIT_PORT, {
          message: "name the port, e.g. https://es.example.org:9200 (Filebeat's default is 9200)",
        }),
    )
    .min(1)
    .describe("Elasticsearch URLs, e.g. [https://es.example.org:9200]; Filebeat spreads the load over them."),
  addresses: z
    .array(cidr)
    .min(1, {
      message: "name the addresses of the hosts: the hub's network policy opens their ports to them only",
    })
    .describe("The hosts' addresses (CIDRs): the hub pod's egress opens the hosts' ports to them only."),
  index: z
    .string()
    .regex(INDEX, { message: 'must be an Elasticsearch index name: lowercase, no spaces or \\/*?"<>|,#' })
    .default("jupyterhub-audit-%{+yyyy.MM}")
    .describe("The index; %{+yyyy.MM} is the month of each line's time (one index a month, easy to retire)."),
  credentialsSecret: dnsLabel
    .optional()
    .describe(
      "A Secret in the hub's namespace holding the login: keys `username` and `password` (auth: basic) or `api-key` as id:key (auth: apiKey). Filebeat reads it from its environment, never from the ConfigMap.",
    ),
  auth: z.enum(["basic", "apiKey"]).default("basic").describe("How credentialsSecret logs in."),
  caSecret: dnsLabel
    .optional()
    .describe(
      "A Secret in the hub's namespace whose key `ca.crt` is the CA of the hosts' certificates; absent: the system's CAs.",
    ),
});

export const auditSchema = z
  .strictObject({
    shipping: z
      .strictObject({
        elasticsearch: elasticsearchSchema,
        image: pinnedImage
          .default(`docker.elastic.co/beats/filebeat-oss:${FILEBEAT_VERSION}`)
          .describe(
            `The shipper's image: Filebeat's OSS build, the version the tests run (${FILEBEAT_VERSION}); another version is untested here.`,
          ),
        resources: z
          .strictObject({
            cpu: z
              .strictObject({ request: cpuQuantity.default("20m"), limit: cpuQuantity.default("200m") })
              .prefault({}),
            memory: z
              .strictObject({
                request: memoryQuantity.default("64Mi"),
                limit: memoryQuantity.default("200Mi"),
              })
              .prefault({}),
          })
          .prefault({}),
      })
      .optional()
      .describe(
        "Ship the hub's audit lines with a Filebeat sidecar in the hub pod (needs usage.enabled). Absent: the lines stay in the hub's log for the cluster's own shipper.",
      ),
  })
  .prefault({})
  .describe("Audit lines: where they are shipped.");

export type AuditConfig = z.output<typeof auditSchema>;
export type AuditShipping = NonNullable<AuditConfig["shipping"]>;
