/**
 * What Prometheus scrapes, once for both modes (PodMonitors for an operator, scrape_configs for the
 * bundled Prometheus): the hub's /hub/metrics with a token of scope read:metrics, the proxy's
 * metrics port, the GPU Operator's DCGM exporter, the user scheduler's secure port and our
 * kube-state-metrics. Pure.
 */
import { kubeStateMetricsDeployed, monitoringNamespace } from "../../config/schema/monitoring";
import type { PlatformConfig } from "../../config/schema/platform";
import { PORTS, selectorLabels } from "../names";
import type { EgressRule } from "./network-policy-rules";

/** The DCGM exporter's pods as the GPU Operator labels them (assets/state-dcgm-exporter, v26.3). */
export const DCGM_EXPORTER = { labels: { app: "nvidia-dcgm-exporter" }, port: 9400, portName: "metrics" };

/** kube-state-metrics when we run it (monitoring-kube-state-metrics.ts). */
export const KUBE_STATE_METRICS = {
  name: "kube-state-metrics",
  /** The job label, as kube-prometheus-stack names its own, so rules written for either work. */
  job: "kube-state-metrics",
  role: "jupyterhub-kube-state-metrics",
  /** `instance: jupyterhub` keeps our selectors off a kube-prometheus-stack's own kube-state-metrics. */
  labels: { "app.kubernetes.io/name": "kube-state-metrics", "app.kubernetes.io/instance": "jupyterhub" },
  port: 8080,
  portName: "http-metrics",
  /** Its own metrics and /readyz; not scraped, not reachable from outside the pod. */
  telemetryPort: 8081,
} as const;

/** Key of the monitoring namespace's Secret that holds the hub's metrics token. */
export const METRICS_TOKEN_KEY = "token";

export type MonitoringConfig = Pick<
  PlatformConfig,
  "monitoring" | "cluster" | "gpuOperator" | "userScheduler" | "network" | "backup"
>;

export interface ScrapeTarget {
  /** The job label of every series scraped from it. */
  readonly job: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly port: number;
  /** The container port's name, if the pod names it (a PodMonitor names the port, else gives the number). */
  readonly portName?: string;
  readonly path: string;
  readonly scheme: "http" | "https";
  /**
   * hubToken: the hub's service token (scope read:metrics) from the monitoring namespace's Secret;
   * serviceAccount: the scraper's own account token, which the scheduler checks with a
   * TokenReview and a SubjectAccessReview for GET /metrics; none: no credentials.
   */
  readonly auth: "hubToken" | "serviceAccount" | "none";
  /** Keep the target's own namespace/pod labels (DCGM's name the user pod holding the GPU). */
  readonly honorLabels: boolean;
  /** The scheduler serves a self-signed certificate it makes at start: nothing to verify against. */
  readonly insecureSkipVerify: boolean;
}

/** Labels of the bundled Prometheus's pods (selector and network policies). */
export const BUNDLED_PROMETHEUS_LABELS = {
  "app.kubernetes.io/name": "prometheus",
  "app.kubernetes.io/instance": "jupyterhub",
};

type Monitoring = PlatformConfig["monitoring"];
export type ScrapedComponent = "hub" | "proxy" | "userScheduler";

/** The pods that scrape: ours (bundled) or the operator's Prometheus, as a network.metricsScrapers entry. */
export function prometheusPeer(monitoring: Monitoring) {
  const podLabels =
    monitoring.mode === "bundled" ? BUNDLED_PROMETHEUS_LABELS : monitoring.prometheusPodLabels;
  return { namespace: monitoringNamespace(monitoring), podLabels };
}

/** The monitoring section's Prometheus, if it scrapes `target` (for the hub namespace's and scheduler's policies). */
export function monitoringScrapers(monitoring: Monitoring | undefined, target: ScrapedComponent) {
  return monitoring?.enabled && monitoring.targets[target] ? [prometheusPeer(monitoring)] : [];
}

/** Whether the DCGM exporter runs: the GPU Operator is deployed with it. */
export function dcgmScraped(config: Pick<MonitoringConfig, "monitoring" | "gpuOperator">): boolean {
  const { gpuOperator } = config;
  return config.monitoring.targets.dcgmExporter && gpuOperator.enabled && gpuOperator.dcgmExporter;
}

/** The targets the stack enables, in a fixed order. */
export function scrapeTargets(config: MonitoringConfig): ScrapeTarget[] {
  const { targets } = config.monitoring;
  const plain = { scheme: "http", auth: "none", honorLabels: false, insecureSkipVerify: false } as const;
  const hubNamespace = config.cluster.namespace;
  const list: ScrapeTarget[] = [];
  if (targets.hub) {
    list.push({
      ...plain,
      job: "jupyterhub-hub",
      namespace: hubNamespace,
      podLabels: selectorLabels("hub"),
      port: PORTS.hub,
      portName: "http",
      path: "/hub/metrics",
      auth: "hubToken",
    });
  }
  if (targets.proxy) {
    list.push({
      ...plain,
      job: "jupyterhub-proxy",
      namespace: hubNamespace,
      podLabels: selectorLabels("proxy"),
      port: PORTS.proxyMetrics,
      portName: "metrics",
      path: "/metrics",
    });
  }
  if (dcgmScraped(config)) {
    list.push({
      ...plain,
      job: "dcgm-exporter",
      namespace: config.gpuOperator.namespace,
      podLabels: DCGM_EXPORTER.labels,
      port: DCGM_EXPORTER.port,
      portName: DCGM_EXPORTER.portName,
      path: "/metrics",
      honorLabels: true,
    });
  }
  if (targets.userScheduler && config.userScheduler.enabled) {
    list.push({
      job: "jupyterhub-user-scheduler",
      namespace: config.userScheduler.namespace,
      podLabels: selectorLabels("user-scheduler"),
      port: PORTS.schedulerHealth,
      path: "/metrics",
      scheme: "https",
      auth: "serviceAccount",
      honorLabels: false,
      insecureSkipVerify: true,
    });
  }
  if (kubeStateMetricsDeployed(config.monitoring)) {
    list.push({
      ...plain,
      job: KUBE_STATE_METRICS.job,
      namespace: monitoringNamespace(config.monitoring),
      podLabels: KUBE_STATE_METRICS.labels,
      port: KUBE_STATE_METRICS.port,
      portName: KUBE_STATE_METRICS.portName,
      path: "/metrics",
      // Its series name the objects' namespace and pod, which the target's own must not overwrite.
      honorLabels: true,
    });
  }
  return list;
}

/** The bundled Prometheus's Service, as the notifier and Grafana reach it. */
export const BUNDLED_PROMETHEUS_SERVICE = { name: "prometheus", port: 9090 } as const;

/** Where the idle-GPU notifier asks Prometheus: the stack's URL, else the bundled Prometheus's Service. */
export function notifierPrometheusUrl(monitoring: Monitoring): string | undefined {
  if (monitoring.notifier.prometheusUrl) return monitoring.notifier.prometheusUrl;
  if (monitoring.mode !== "bundled") return undefined;
  const { name, port } = BUNDLED_PROMETHEUS_SERVICE;
  return `http://${name}.${monitoringNamespace(monitoring)}.svc:${port}`;
}

/** Whether the hub runs the idle-GPU notifier. */
export const notifierEnabled = (monitoring: Monitoring | undefined): monitoring is Monitoring =>
  Boolean(monitoring?.enabled && monitoring.notifier.enabled);

/** The hub's egress for the notifier: Prometheus's pods on its port, the SMTP relay's addresses on its port. */
export function notifierEgress(monitoring: Monitoring | undefined): EgressRule[] {
  if (!notifierEnabled(monitoring)) return [];
  const url = notifierPrometheusUrl(monitoring);
  const { namespace, podLabels } = prometheusPeer(monitoring);
  const port = url ? Number(new URL(url).port || (url.startsWith("https") ? 443 : 80)) : undefined;
  const peer = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
    podSelector: { matchLabels: podLabels },
  };
  const { smtp } = monitoring.notifier;
  return [
    ...(port ? [{ to: [peer], ports: [{ port, protocol: "TCP" as const }] }] : []),
    ...(smtp.addresses.length > 0
      ? [
          {
            to: smtp.addresses.map((cidr) => ({ ipBlock: { cidr } })),
            ports: [{ port: smtp.port, protocol: "TCP" as const }],
          },
        ]
      : []),
  ];
}
