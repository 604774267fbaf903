/**
 * prometheusOperator mode: one PodMonitor per scrape target and one PrometheusRule, in the operator's
 * namespace with the labels its selectors look for (monitoring.resourceLabels), and the token of
 * an account allowed GET /metrics for the user scheduler (a PodMonitor can name a Secret, not the
 * Prometheus pod's own token file). Pure; monitoring.ts makes them resources.
 */
import type * as pulumi from "@pulumi/pulumi";
import { objectMeta } from "../pod-defaults";
import type { RuleGroup } from "./monitoring-rules";
import { MONITORING_NAMES } from "./monitoring-spec";
import { METRICS_TOKEN_KEY, type MonitoringConfig, type ScrapeTarget } from "./monitoring-targets";

export const OPERATOR_API_VERSION = "monitoring.coreos.com/v1";

const meta = (name: string, namespace: pulumi.Input<string>, config: MonitoringConfig) =>
  objectMeta(name, namespace, "monitoring", { ...config.monitoring.resourceLabels });

/** The PodMonitor's name: the job's, with the platform's prefix. */
export const podMonitorName = (target: ScrapeTarget) =>
  target.job.startsWith("jupyterhub-") ? target.job : `jupyterhub-${target.job}`;

/** The Secret and key of the target's credentials, if it needs any. */
function credentials(target: ScrapeTarget, hubTokenSecret?: pulumi.Input<string>) {
  if (target.auth === "hubToken" && hubTokenSecret) return { name: hubTokenSecret, key: METRICS_TOKEN_KEY };
  if (target.auth === "serviceAccount") return { name: MONITORING_NAMES.metricsReaderToken, key: "token" };
  return undefined;
}

/** A PodMonitor for one target; the job label is the target's, as with the bundled Prometheus. */
export function podMonitor(
  target: ScrapeTarget,
  namespace: pulumi.Input<string>,
  config: MonitoringConfig,
  hubTokenSecret?: pulumi.Input<string>,
) {
  const secret = credentials(target, hubTokenSecret);
  return {
    apiVersion: OPERATOR_API_VERSION,
    kind: "PodMonitor",
    metadata: meta(podMonitorName(target), namespace, config),
    spec: {
      namespaceSelector: { matchNames: [target.namespace] },
      selector: { matchLabels: { ...target.podLabels } },
      podMetricsEndpoints: [
        {
          // A port the pod does not name (the scheduler's secure port) by number.
          ...(target.portName ? { port: target.portName } : { targetPort: target.port }),
          path: target.path,
          scheme: target.scheme,
          interval: config.monitoring.scrapeInterval,
          honorLabels: target.honorLabels,
          ...(secret ? { authorization: { type: "Bearer", credentials: secret } } : {}),
          ...(target.insecureSkipVerify ? { tlsConfig: { insecureSkipVerify: true } } : {}),
          relabelings: [
            { targetLabel: "job", replacement: target.job },
            { sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" },
          ],
        },
      ],
    },
  };
}

/** PrometheusRule `jupyterhub`: the rule groups of monitoring-rules.ts. */
export function prometheusRule(
  namespace: pulumi.Input<string>,
  config: MonitoringConfig,
  groups: RuleGroup[],
) {
  return {
    apiVersion: OPERATOR_API_VERSION,
    kind: "PrometheusRule",
    metadata: meta("jupyterhub", namespace, config),
    spec: { groups },
  };
}

/** A long-lived token of the metrics reader account, which the API server fills in. */
export function metricsReaderTokenSecret(namespace: pulumi.Input<string>, accountName: pulumi.Input<string>) {
  return {
    metadata: {
      ...objectMeta(MONITORING_NAMES.metricsReaderToken, namespace, "monitoring"),
      annotations: { "kubernetes.io/service-account.name": accountName },
    },
    type: "kubernetes.io/service-account-token",
  };
}
