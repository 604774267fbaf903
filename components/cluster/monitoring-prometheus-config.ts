/**
 * The bundled Prometheus's prometheus.yml, rendered from the scrape targets (monitoring-targets.ts):
 * Kubernetes pod discovery limited to each target's namespace and labels, the pod's IP and the
 * target's port as the address, the hub's token and the account's token as credential files.
 * Pure; checked with the real `promtool check config` (test/components/monitoring-promtool.test.ts).
 */
import { stringify } from "yaml";
import type { PlatformConfig } from "../../config/schema/platform";
import type { ScrapeTarget } from "./monitoring-targets";

/** Where the bundled Prometheus's pod mounts what prometheus.yml names. */
export const PROMETHEUS_PATHS = {
  configDir: "/etc/prometheus/config",
  configFile: "prometheus.yml",
  rulesDir: "/etc/prometheus/rules",
  rulesFile: "jupyterhub.rules.yaml",
  hubTokenDir: "/etc/prometheus/hub-token",
  data: "/prometheus",
  serviceAccountToken: "/var/run/secrets/kubernetes.io/serviceaccount/token",
} as const;

/** Where prometheus.yml finds its files: in the pod by default, elsewhere for promtool in tests. */
export interface ConfigPaths {
  readonly hubTokenFile: string;
  readonly serviceAccountTokenFile: string;
  readonly rulesFile: string;
}
export const POD_PATHS: ConfigPaths = {
  hubTokenFile: `${PROMETHEUS_PATHS.hubTokenDir}/token`,
  serviceAccountTokenFile: PROMETHEUS_PATHS.serviceAccountToken,
  rulesFile: `${PROMETHEUS_PATHS.rulesDir}/${PROMETHEUS_PATHS.rulesFile}`,
};

function credentialsFile(target: ScrapeTarget, paths: ConfigPaths): string | undefined {
  if (target.auth === "hubToken") return paths.hubTokenFile;
  if (target.auth === "serviceAccount") return paths.serviceAccountTokenFile;
  return undefined;
}

/** One scrape config: the target's pods, running, on its port. */
export function scrapeConfig(target: ScrapeTarget, paths: ConfigPaths = POD_PATHS) {
  const selector = Object.entries(target.podLabels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  const credentials = credentialsFile(target, paths);
  return {
    job_name: target.job,
    metrics_path: target.path,
    scheme: target.scheme,
    honor_labels: target.honorLabels,
    ...(credentials ? { authorization: { type: "Bearer", credentials_file: credentials } } : {}),
    ...(target.insecureSkipVerify ? { tls_config: { insecure_skip_verify: true } } : {}),
    kubernetes_sd_configs: [
      {
        role: "pod",
        namespaces: { names: [target.namespace] },
        selectors: [{ role: "pod", label: selector }],
      },
    ],
    relabel_configs: [
      { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Running", action: "keep" },
      // One target per pod: the declared port by name, or the pod's only container when it declares none.
      ...(target.portName
        ? [
            {
              source_labels: ["__meta_kubernetes_pod_container_port_name"],
              regex: target.portName,
              action: "keep",
            },
          ]
        : []),
      {
        source_labels: ["__meta_kubernetes_pod_ip"],
        regex: "(.+)",
        target_label: "__address__",
        replacement: `$1:${target.port}`,
      },
      { source_labels: ["__meta_kubernetes_pod_node_name"], target_label: "node" },
      // Honoured labels name other pods (DCGM's: the user pod holding the GPU; kube-state-metrics': the
      // objects it reports on); the other targets get their own.
      ...(target.honorLabels
        ? []
        : [
            { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
            { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
          ]),
    ],
  };
}

/** prometheus.yml: global intervals, the rules file, one scrape config per target. */
export function prometheusConfig(
  monitoring: PlatformConfig["monitoring"],
  targets: readonly ScrapeTarget[],
  paths: ConfigPaths = POD_PATHS,
): string {
  return stringify({
    global: { scrape_interval: monitoring.scrapeInterval, evaluation_interval: monitoring.scrapeInterval },
    rule_files: [paths.rulesFile],
    scrape_configs: targets.map((target) => scrapeConfig(target, paths)),
  });
}
