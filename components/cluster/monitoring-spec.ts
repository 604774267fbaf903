/**
 * The monitoring objects both modes share, and the bundled Prometheus's: the hub's metrics token
 * in the monitoring namespace, the account allowed GET /metrics (the user scheduler checks it), and
 * for `bundled` the Prometheus Deployment, Service, ConfigMaps, discovery Roles and network
 * policies. Pure; monitoring.ts makes them resources.
 */
import type * as pulumi from "@pulumi/pulumi";
import { checksum } from "../checksum";
import { NAMES, PRIORITY_CLASSES, selectorLabels } from "../names";
import { NOBODY_UID, objectMeta, restrictedContainer, restrictedPod } from "../pod-defaults";
import type { ExistingRoleGrant, Grant } from "../rbac";
import { mountedVolume } from "../volumes";
import { PROMETHEUS_PATHS } from "./monitoring-prometheus-config";
import {
  BUNDLED_PROMETHEUS_LABELS,
  BUNDLED_PROMETHEUS_SERVICE,
  METRICS_TOKEN_KEY,
  type MonitoringConfig,
  notifierEnabled,
  type ScrapeTarget,
} from "./monitoring-targets";
import { kubernetesApi, tcp } from "./network-peers";
import type { EgressRule, NetworkPolicyRules, PolicyPeer } from "./network-policy-rules";

export const MONITORING_NAMES = {
  prometheus: "prometheus",
  prometheusConfig: "prometheus-config",
  prometheusRules: "prometheus-rules",
  hubMetricsToken: "jupyterhub-metrics-token",
  /** prometheusOperator: the account whose token the operator's Prometheus shows the user scheduler. */
  metricsReader: "jupyterhub-metrics-reader",
  metricsReaderToken: "jupyterhub-metrics-reader-token",
  /** Cluster-scoped: GET /metrics, nothing else. */
  metricsClusterRole: "jupyterhub-metrics-reader",
  discoveryRole: "jupyterhub-prometheus-discovery",
  schedulerAuthDelegator: "jupyterhub-user-scheduler-auth-delegator",
} as const;

export const PROMETHEUS_PORT = BUNDLED_PROMETHEUS_SERVICE.port;

const meta = (name: string, namespace: pulumi.Input<string>, extra?: Record<string, string>) =>
  objectMeta(name, namespace, "monitoring", extra);

/** Secret with the hub's metrics token (scope read:metrics), where the scraper can read it. */
export function hubMetricsTokenSecret(namespace: pulumi.Input<string>, token: pulumi.Input<string>) {
  return {
    metadata: meta(MONITORING_NAMES.hubMetricsToken, namespace),
    type: "Opaque",
    stringData: { [METRICS_TOKEN_KEY]: token },
  };
}

/** GET /metrics on the user scheduler's secure port: its authorizer asks the API server. */
export function metricsReaderGrant(name: string): Grant {
  return {
    kind: "ClusterRole",
    metadata: objectMeta(MONITORING_NAMES.metricsClusterRole, undefined, "monitoring"),
    rules: [{ apiGroups: [], resources: [], nonResourceURLs: ["/metrics"], verbs: ["get"] }],
    resourceNames: { role: `${name}-metrics-reader`, binding: `${name}-metrics-reader` },
  };
}

/**
 * The user scheduler checks a scraper's token with a TokenReview and its right to GET /metrics with
 * a SubjectAccessReview (delegated authentication and authorization): system:auth-delegator lets
 * it create both, and nothing else.
 */
export function schedulerAuthDelegatorGrant(name: string): ExistingRoleGrant {
  return {
    kind: "ClusterRole",
    existingRole: "system:auth-delegator",
    metadata: objectMeta(MONITORING_NAMES.schedulerAuthDelegator, undefined, "monitoring"),
    resourceNames: { binding: `${name}-scheduler-auth-delegator` },
  };
}

/** bundled: read pods in each target's namespace (discovery), and GET /metrics. */
export function bundledPrometheusGrants(
  name: string,
  targets: readonly ScrapeTarget[],
  placedIn: (namespace: string) => pulumi.Input<string> = (namespace) => namespace,
): Grant[] {
  const namespaces = [...new Set(targets.map((target) => target.namespace))];
  return [
    ...namespaces.map(
      (namespace): Grant => ({
        kind: "Role",
        metadata: meta(MONITORING_NAMES.discoveryRole, placedIn(namespace)),
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
        resourceNames: { role: `${name}-discovery-${namespace}`, binding: `${name}-discovery-${namespace}` },
      }),
    ),
    metricsReaderGrant(name),
  ];
}

/** ConfigMaps `prometheus-config` (prometheus.yml) and `prometheus-rules`. */
export function prometheusConfigMaps(namespace: pulumi.Input<string>, config: string, rules: string) {
  return {
    config: {
      metadata: meta(MONITORING_NAMES.prometheusConfig, namespace),
      data: { [PROMETHEUS_PATHS.configFile]: config },
    },
    rules: {
      metadata: meta(MONITORING_NAMES.prometheusRules, namespace),
      data: { [PROMETHEUS_PATHS.rulesFile]: rules },
    },
  };
}

export interface PrometheusPodRefs {
  readonly serviceAccountName: pulumi.Input<string>;
  readonly configMapName: pulumi.Input<string>;
  readonly rulesConfigMapName: pulumi.Input<string>;
  /** Absent when the hub is not scraped. */
  readonly hubTokenSecretName?: pulumi.Input<string>;
}

const PROMETHEUS_RESOURCES = {
  requests: { cpu: "200m", memory: "1Gi" },
  limits: { cpu: "1", memory: "4Gi" },
};

/** Deployment `prometheus`: one replica (Recreate: two would share nothing but write twice). */
export function prometheusDeployment(
  namespace: pulumi.Input<string>,
  config: MonitoringConfig,
  files: { readonly config: string; readonly rules: string },
  refs: PrometheusPodRefs,
) {
  const { bundled } = config.monitoring;
  const volumes = [
    mountedVolume(
      "config",
      { configMap: { name: refs.configMapName } },
      { mountPath: PROMETHEUS_PATHS.configDir, readOnly: true },
    ),
    mountedVolume(
      "rules",
      { configMap: { name: refs.rulesConfigMapName } },
      { mountPath: PROMETHEUS_PATHS.rulesDir, readOnly: true },
    ),
    ...(refs.hubTokenSecretName
      ? [
          mountedVolume(
            "hub-token",
            { secret: { secretName: refs.hubTokenSecretName } },
            { mountPath: PROMETHEUS_PATHS.hubTokenDir, readOnly: true },
          ),
        ]
      : []),
    mountedVolume(
      "data",
      { emptyDir: { sizeLimit: bundled.storageSize } },
      { mountPath: PROMETHEUS_PATHS.data },
    ),
  ];
  const probe = (path: string) => ({ httpGet: { path, port: "web" }, periodSeconds: 10, timeoutSeconds: 3 });
  return {
    metadata: meta(MONITORING_NAMES.prometheus, namespace, BUNDLED_PROMETHEUS_LABELS),
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: BUNDLED_PROMETHEUS_LABELS },
      template: {
        metadata: {
          labels: { ...meta(MONITORING_NAMES.prometheus, namespace).labels, ...BUNDLED_PROMETHEUS_LABELS },
          annotations: { "checksum/config": checksum([files.config, files.rules]) },
        },
        spec: {
          serviceAccountName: refs.serviceAccountName,
          priorityClassName: PRIORITY_CLASSES.platform,
          enableServiceLinks: false,
          securityContext: restrictedPod(NOBODY_UID),
          containers: [
            {
              name: "prometheus",
              image: bundled.image,
              args: [
                `--config.file=${PROMETHEUS_PATHS.configDir}/${PROMETHEUS_PATHS.configFile}`,
                `--storage.tsdb.path=${PROMETHEUS_PATHS.data}`,
                `--storage.tsdb.retention.time=${bundled.retention}`,
              ],
              ports: [{ name: "web", containerPort: PROMETHEUS_PORT }],
              resources: PROMETHEUS_RESOURCES,
              securityContext: { ...restrictedContainer(NOBODY_UID), readOnlyRootFilesystem: true },
              readinessProbe: { ...probe("/-/ready"), failureThreshold: 3 },
              livenessProbe: { ...probe("/-/healthy"), initialDelaySeconds: 30, failureThreshold: 10 },
              volumeMounts: volumes.map((volume) => volume.mount),
            },
          ],
          volumes: volumes.map((volume) => volume.volume),
        },
      },
    },
  };
}

/** Service `prometheus`: for Grafana and the idle-GPU notifier. */
export function prometheusService(namespace: pulumi.Input<string>) {
  return {
    metadata: meta(MONITORING_NAMES.prometheus, namespace),
    spec: {
      type: "ClusterIP",
      selector: BUNDLED_PROMETHEUS_LABELS,
      ports: [{ name: "web", port: PROMETHEUS_PORT, targetPort: "web", protocol: "TCP" }],
    },
  };
}

const inNamespace = (namespace: string, podLabels: Readonly<Record<string, string>>): PolicyPeer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
  podSelector: { matchLabels: podLabels },
});

/** bundled: the namespace closed, except Prometheus to its targets and the API server, and its port to its queriers. */
export function bundledPolicyRules(
  config: Pick<MonitoringConfig, "network" | "monitoring" | "cluster">,
  targets: readonly ScrapeTarget[],
): NetworkPolicyRules[] {
  const queriers = config.monitoring.bundled.queriers.map((querier) =>
    Object.keys(querier.podLabels).length > 0
      ? inNamespace(querier.namespace, querier.podLabels)
      : { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": querier.namespace } } },
  );
  // The hub's pod runs the idle-GPU notifier, which asks Prometheus.
  if (notifierEnabled(config.monitoring)) {
    queriers.push({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": config.cluster.namespace } },
      podSelector: { matchLabels: selectorLabels("hub") },
    });
  }
  const toTargets: EgressRule[] = targets.map((target) => ({
    to: [inNamespace(target.namespace, target.podLabels)],
    ports: tcp(target.port),
  }));
  return [
    {
      name: NAMES.defaultDenyPolicy,
      description: "Nothing in the namespace sends or receives anything no other policy allows.",
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [],
    },
    {
      name: MONITORING_NAMES.prometheus,
      description:
        "Prometheus: scrapes its targets on their metrics ports, watches their pods through the API server; queried by monitoring.bundled.queriers only.",
      podSelector: { matchLabels: BUNDLED_PROMETHEUS_LABELS },
      policyTypes: ["Ingress", "Egress"],
      ingress: queriers.length > 0 ? [{ from: queriers, ports: tcp(PROMETHEUS_PORT) }] : [],
      egress: [kubernetesApi(config.network), ...toTargets],
    },
  ];
}
