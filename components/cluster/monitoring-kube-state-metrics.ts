/**
 * kube-state-metrics (monitoring.kubeStateMetrics): the kube_* series the backup and quota rules and
 * the GPU-requests panel read, from the upstream image, in the monitoring namespace. It watches only
 * what they use: cronjobs and jobs (the backup CronJobs' last success, next run and failed runs),
 * resourcequotas (jupyterhub-quota) and pods (the user pods' GPU requests, and their profile label in
 * kube_pod_labels), in the hub's and the backup's namespaces only. So its account gets a Role in each
 * of those namespaces (list and watch of those four resources) rather than a ClusterRole: it cannot
 * read a Secret, a node or another namespace's anything. Pure; monitoring.ts makes them resources.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { PRIORITY_CLASSES, PROFILE_LABEL } from "../names";
import { NOBODY_UID, objectMeta, restrictedContainer, restrictedPod } from "../pod-defaults";
import type { Grant } from "../rbac";
import { KUBE_STATE_METRICS, prometheusPeer } from "./monitoring-targets";
import { kubernetesApi, tcp } from "./network-peers";
import type { NetworkPolicyRules } from "./network-policy-rules";

export type KubeStateMetricsConfig = Pick<PlatformConfig, "monitoring" | "cluster" | "backup" | "network">;

/** The API group of each resource it watches. */
const WATCHED = { cronjobs: "batch", jobs: "batch", pods: "", resourcequotas: "" } as const;

const RESOURCES = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } };

/** What it watches: the hub's namespace (pods, the quota) and, with backups, the backup jobs' namespace. */
export function kubeStateMetricsScope(config: Pick<PlatformConfig, "cluster" | "backup">) {
  const namespaces = [config.cluster.namespace, ...(config.backup.enabled ? [config.backup.namespace] : [])];
  return { namespaces, resources: Object.keys(WATCHED).sort() };
}

/**
 * A Role per watched namespace: list and watch of the watched resources (kube-state-metrics lists
 * each resource in each namespace it is given, so every namespace's Role names all four).
 */
export function kubeStateMetricsGrants(
  name: string,
  config: Pick<PlatformConfig, "cluster" | "backup">,
  placedIn: (namespace: string) => pulumi.Input<string> = (namespace) => namespace,
): Grant[] {
  const { namespaces, resources } = kubeStateMetricsScope(config);
  const groups = [...new Set(Object.values(WATCHED))].sort();
  const rules = groups.map((group) => ({
    apiGroups: [group],
    resources: resources.filter((resource) => WATCHED[resource as keyof typeof WATCHED] === group),
    verbs: ["list", "watch"],
  }));
  return namespaces.map(
    (namespace): Grant => ({
      kind: "Role",
      metadata: objectMeta(KUBE_STATE_METRICS.role, placedIn(namespace), "monitoring"),
      rules,
      resourceNames: { role: `${name}-ksm-${namespace}`, binding: `${name}-ksm-${namespace}` },
    }),
  );
}

const meta = (namespace: pulumi.Input<string>) =>
  objectMeta(KUBE_STATE_METRICS.name, namespace, "monitoring", KUBE_STATE_METRICS.labels);

/** Deployment `kube-state-metrics`: one replica, as nobody, read-only root, its scope as flags. */
export function kubeStateMetricsDeployment(
  namespace: pulumi.Input<string>,
  config: KubeStateMetricsConfig,
  serviceAccountName: pulumi.Input<string>,
) {
  const { namespaces, resources } = kubeStateMetricsScope(config);
  const probe = (path: string, port: number) => ({
    httpGet: { path, port },
    periodSeconds: 10,
    timeoutSeconds: 3,
  });
  return {
    metadata: meta(namespace),
    spec: {
      replicas: 1,
      selector: { matchLabels: KUBE_STATE_METRICS.labels },
      template: {
        metadata: { labels: meta(namespace).labels },
        spec: {
          serviceAccountName,
          priorityClassName: PRIORITY_CLASSES.platform,
          enableServiceLinks: false,
          securityContext: restrictedPod(),
          containers: [
            {
              name: "kube-state-metrics",
              image: config.monitoring.kubeStateMetrics.image,
              args: [
                `--port=${KUBE_STATE_METRICS.port}`,
                `--telemetry-port=${KUBE_STATE_METRICS.telemetryPort}`,
                `--resources=${resources.join(",")}`,
                // kube_pod_labels carries only allowed labels: the user pods' profile, for GPU use per profile.
                `--metric-labels-allowlist=pods=[${PROFILE_LABEL}]`,
                `--namespaces=${namespaces.join(",")}`,
              ],
              ports: [{ name: KUBE_STATE_METRICS.portName, containerPort: KUBE_STATE_METRICS.port }],
              resources: RESOURCES,
              securityContext: { ...restrictedContainer(NOBODY_UID), readOnlyRootFilesystem: true },
              // /healthz answers while the process runs; /readyz once it has metrics to serve.
              livenessProbe: { ...probe("/healthz", KUBE_STATE_METRICS.port), initialDelaySeconds: 10 },
              readinessProbe: probe("/readyz", KUBE_STATE_METRICS.telemetryPort),
            },
          ],
        },
      },
    },
  };
}

/**
 * Its pods: scraped by the monitoring section's Prometheus on the metrics port, nothing else in;
 * out only to the API server. With `bundled` the namespace's default-deny closes the rest; with
 * `prometheusOperator` (the operator's namespace) this policy alone confines them.
 */
export function kubeStateMetricsPolicyRules(
  config: Pick<PlatformConfig, "monitoring" | "network">,
): NetworkPolicyRules {
  const prometheus = prometheusPeer(config.monitoring);
  return {
    name: KUBE_STATE_METRICS.name,
    description:
      "kube-state-metrics: scraped by Prometheus on its metrics port only; talks to the API server only.",
    podSelector: { matchLabels: KUBE_STATE_METRICS.labels },
    policyTypes: ["Ingress", "Egress"],
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": prometheus.namespace } },
            podSelector: { matchLabels: prometheus.podLabels },
          },
        ],
        ports: tcp(KUBE_STATE_METRICS.port),
      },
    ],
    egress: [kubernetesApi(config.network)],
  };
}
