/**
 * The monitoring section: what Prometheus scrapes (the hub, the proxy, the GPU Operator's DCGM
 * exporter, the user scheduler), the recording and alert rules, and the Grafana dashboards
 * (components/cluster/monitoring*.ts; docs/operations.md, "Monitoring").
 */
import { z } from "zod";
import { cidr, dnsLabel, hostname, httpsUrl, pinnedImage, port, storageQuantity } from "./common";
import { metricsScraperSchema } from "./network";

/**
 * The placeholders the notifier fills in its email (Python's str.format: `{name}`; `{{` and `}}` are
 * literal braces), checked by config/rules/monitoring.ts. stop_notice is a sentence saying when the
 * server will be stopped (stopAfterMinutes), or empty.
 */
export const NOTIFIER_PLACEHOLDERS = ["user", "gpu", "hub_url", "hub_host", "stop_notice"] as const;
const PLACEHOLDERS_HELP = `Placeholders: ${NOTIFIER_PLACEHOLDERS.map((name) => `{${name}}`).join(", ")}; {{ and }} for a brace.`;

/** The email's text when the stack gives none (the same as hub/idle_gpu_notifier.py's SUBJECT and BODY). */
export const NOTIFIER_EMAIL_DEFAULTS = {
  subject: "Your GPU on {hub_host} is idle",
  body: `Hello {user},

the GPU of your notebook server ({gpu}) has been almost unused for a while.
GPUs are scarce: please stop your server if you do not need it ({hub_url}/hub/home).
{stop_notice}
-- JupyterHub
`,
};

/** A Prometheus duration as its configuration and rules write it: 30s, 5m, 1h, 15d. */
export const promDuration = z
  .string()
  .regex(/^[1-9]\d*(ms|s|m|h|d|w|y)$/, { message: "must be a Prometheus duration such as 30s, 30m or 15d" });

/** Label keys and values, checked as network.metricsScrapers checks a scraper's pod labels. */
const labelMap = metricsScraperSchema.shape.podLabels.unwrap();

export const monitoringSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    mode: z
      .enum(["prometheusOperator", "bundled"])
      .default("prometheusOperator")
      .describe(
        "prometheusOperator: PodMonitors and a PrometheusRule for a Prometheus Operator the cluster already runs; bundled: a Prometheus of our own (Deployment, prometheus.yml and rules in ConfigMaps).",
      ),
    namespace: dnsLabel
      .optional()
      .describe(
        "prometheusOperator: the operator's Prometheus namespace (default monitoring; it must exist), which gets the monitors, rules, dashboards and the hub's metrics token; bundled: created for our Prometheus (default jupyterhub-monitoring, so a cluster's own monitoring namespace is left alone).",
      ),
    scrapeInterval: promDuration
      .default("30s")
      .describe("How often every target is scraped and the rules run."),
    prometheusPodLabels: labelMap
      .default({ "app.kubernetes.io/name": "prometheus" })
      .describe(
        "prometheusOperator: labels of the operator's Prometheus pods, which the network policies let scrape (bundled: our own pods' labels are used).",
      ),
    resourceLabels: labelMap
      .default({ release: "kube-prometheus-stack" })
      .describe(
        "prometheusOperator: labels the operator's serviceMonitorSelector, podMonitorSelector and ruleSelector look for (kube-prometheus-stack: release: <its release name>).",
      ),
    bundled: z
      .strictObject({
        image: pinnedImage.default("docker.io/prom/prometheus:v3.5.0"),
        retention: promDuration.default("15d"),
        queriers: z
          .array(
            z.strictObject({
              namespace: dnsLabel.describe("Namespace of the querier, e.g. grafana."),
              podLabels: labelMap
                .default({})
                .describe(
                  "Labels of the querier's pods, e.g. {app.kubernetes.io/name: grafana}; empty: every pod of the namespace.",
                ),
            }),
          )
          .default([])
          .describe(
            "Pods that may query the bundled Prometheus on port 9090 (Grafana, the idle-GPU notifier), by namespace and labels; the namespace itself denies everything else.",
          ),
        storageSize: storageQuantity
          .default("20Gi")
          .describe("Size limit of the TSDB's emptyDir: the history is lost when the pod moves."),
      })
      .prefault({}),
    targets: z
      .strictObject({
        hub: z
          .boolean()
          .default(true)
          .describe("The hub's /hub/metrics, with a token of scope read:metrics."),
        proxy: z.boolean().default(true).describe("configurable-http-proxy's metrics on port 8002."),
        dcgmExporter: z
          .boolean()
          .default(true)
          .describe("The GPU Operator's DCGM exporter (only with gpuOperator.enabled and dcgmExporter)."),
        userScheduler: z
          .boolean()
          .default(true)
          .describe("The user scheduler's /metrics on its secure port, as an account allowed GET /metrics."),
      })
      .prefault({}),
    kubeStateMetrics: z
      .strictObject({
        deploy: z
          .boolean()
          .optional()
          .describe(
            "Run a kube-state-metrics of our own in the monitoring namespace (the kube_* series of the backup and quota rules), watching only the hub's and the backup's namespaces. Default: yes with bundled (nothing else feeds our Prometheus); no with prometheusOperator (kube-prometheus-stack runs one that its Prometheus scrapes already; a second doubles every kube_* series).",
          ),
        image: pinnedImage
          .default("registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0")
          .describe(
            "The upstream image; test/sim/kube-state-metrics.test.ts runs the same release, built from the Go module proxy.",
          ),
      })
      .prefault({}),
    idleGpu: z
      .strictObject({
        thresholdPercent: z
          .number()
          .min(0)
          .max(100)
          .default(10)
          .describe("A GPU (or MIG slice) below this utilisation is idle (the seed: 10 %)."),
        duration: promDuration
          .default("30m")
          .describe("How long it must stay idle before the alert fires (the seed: 30 minutes)."),
      })
      .prefault({}),
    notifier: z
      .strictObject({
        enabled: z.boolean().default(false),
        prometheusUrl: httpsUrl
          .optional()
          .describe(
            "Where the notifier asks Prometheus for idle GPUs (bundled: our Prometheus's Service; required with prometheusOperator, e.g. http://kube-prometheus-stack-prometheus.monitoring.svc:9090).",
          ),
        every: z.number().int().min(10).default(60).describe("Seconds between two looks at Prometheus."),
        stopAfterMinutes: z
          .number()
          .int()
          .min(0)
          .default(0)
          .describe("Stop the server this long after the email if its GPU is still idle; 0: never."),
        smtp: z
          .strictObject({
            host: hostname
              .optional()
              .describe(
                "The SMTP relay, e.g. smtp.unileoben.ac.at (no login: a relay that accepts the cluster's mail).",
              ),
            port: port.default(587),
            from: z.email().optional().describe("The sender address, e.g. jupyterhub@unileoben.ac.at."),
            starttls: z.boolean().default(true),
            username: z
              .string()
              .min(1)
              .optional()
              .describe("Login name at the relay, with passwordSecretKey; without both, no login."),
            passwordSecretKey: z
              .string()
              .min(1)
              .optional()
              .describe(
                "Pulumi secret config key holding the relay's password (pulumi config set --secret gpu-jupyterhub:<key>); it reaches the hub as an environment variable from Secret hub, never the settings.",
              ),
            addresses: z
              .array(cidr)
              .default([])
              .describe("The relay's addresses: the hub's network policy opens its port to them only."),
          })
          .prefault({}),
        email: z
          .strictObject({
            subject: z
              .string()
              .min(1)
              .regex(/^[^\r\n]*$/, { message: "must be one line" })
              .default(NOTIFIER_EMAIL_DEFAULTS.subject)
              .describe(`The email's subject. ${PLACEHOLDERS_HELP}`),
            body: z
              .string()
              .min(1)
              .default(NOTIFIER_EMAIL_DEFAULTS.body)
              .describe(`The email's text (plain text). ${PLACEHOLDERS_HELP}`),
          })
          .prefault({}),
      })
      .prefault({})
      .describe(
        "The idle-GPU notifier (hub/idle_gpu_notifier.py), a hub service: emails a user whose GPU alert JupyterHubGpuIdle fires, once per idle period, and shows them a notice on the hub's pages.",
      ),
    quotaNearFullPercent: z
      .number()
      .min(1)
      .max(100)
      .default(90)
      .describe(
        "Alert when a resource of jupyterhub-quota is used to this percentage (needs kube-state-metrics).",
      ),
    dashboards: z
      .strictObject({
        enabled: z.boolean().default(true),
        namespace: dnsLabel
          .optional()
          .describe("Where the dashboard ConfigMaps go (default: the monitoring namespace)."),
        labels: labelMap
          .default({ grafana_dashboard: "1" })
          .describe(
            'Labels Grafana\'s dashboard sidecar looks for (kube-prometheus-stack: grafana_dashboard: "1").',
          ),
      })
      .prefault({}),
  })
  .prefault({})
  .describe("Prometheus scraping, rules and dashboards for the platform (off by default).");

/** The monitoring namespace: set, or the mode's default (an operator's usual one; our own for bundled). */
export function monitoringNamespace(monitoring: z.output<typeof monitoringSchema>): string {
  return monitoring.namespace ?? (monitoring.mode === "bundled" ? "jupyterhub-monitoring" : "monitoring");
}

/** Whether we run kube-state-metrics: as set, else with our own Prometheus only (the schema's description says why). */
export function kubeStateMetricsDeployed(monitoring: z.output<typeof monitoringSchema>): boolean {
  return monitoring.enabled && (monitoring.kubeStateMetrics.deploy ?? monitoring.mode === "bundled");
}
