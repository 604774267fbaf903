/**
 * Grafana dashboards as code: plain dashboard JSON built from the recording rules' names
 * (monitoring-rules.ts), provisioned as ConfigMaps that Grafana's dashboard sidecar picks up by
 * monitoring.dashboards.labels (kube-prometheus-stack: grafana_dashboard: "1"). Every expression is
 * plain PromQL (no Grafana variables inside), so the real promtool can parse each one
 * (test/components/monitoring-promtool.test.ts). Pure; monitoring.ts makes the ConfigMaps.
 */
import type * as pulumi from "@pulumi/pulumi";
import { monitoringNamespace } from "../../config/schema/monitoring";
import type { PlatformConfig } from "../../config/schema/platform";
import { PROFILE_LABEL_METRIC } from "../names";
import { objectMeta } from "../pod-defaults";
import { backupSlackSeconds, JOBS, RULE_NAMES } from "./monitoring-rules";

export interface PanelTarget {
  readonly expr: string;
  readonly legendFormat: string;
}
interface PanelSpec {
  readonly title: string;
  readonly type: "timeseries" | "stat" | "bargauge";
  readonly unit: string;
  readonly description: string;
  readonly targets: readonly PanelTarget[];
}
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** The dashboards, by their Grafana uid. */
export function dashboards(config: Pick<PlatformConfig, "cluster" | "backup">): Dashboard[] {
  const users = `namespace="${config.cluster.namespace}", pod=~"jupyter-.+"`;
  const slice = "{{Hostname}} GPU {{gpu}} {{GPU_I_PROFILE}} {{GPU_I_ID}}";
  return [
    {
      uid: "jupyterhub-gpus",
      title: "JupyterHub: GPUs",
      panels: [
        {
          title: "GPU utilisation per node, GPU and MIG slice",
          type: "timeseries",
          unit: "percent",
          description:
            "DCGM_FI_DEV_GPU_UTIL for a full GPU, DCGM_FI_PROF_GR_ENGINE_ACTIVE × 100 for a MIG slice.",
          targets: [{ expr: RULE_NAMES.gpuUtilization, legendFormat: slice }],
        },
        {
          title: "GPU utilisation per user",
          type: "timeseries",
          unit: "percent",
          description: "The GPU or slice each user pod holds (the DCGM exporter's pod mapping).",
          targets: [{ expr: RULE_NAMES.userGpuUtilization, legendFormat: `{{user}} (${slice})` }],
        },
        {
          title: "GPU utilisation per notebook profile",
          type: "timeseries",
          unit: "percent",
          description:
            "The average over the GPUs and slices of each profile's pods (the pods' profile label, through kube-state-metrics).",
          targets: [{ expr: RULE_NAMES.profileGpuUtilization, legendFormat: "{{profile}}" }],
        },
        {
          title: "Idle GPUs now",
          type: "stat",
          unit: "none",
          description:
            "User pods whose GPU or slice has been below the idle threshold for the idle duration.",
          targets: [
            {
              expr: `count(ALERTS{alertname="${RULE_NAMES.idleGpuAlert}", alertstate="firing"}) or vector(0)`,
              legendFormat: "idle",
            },
          ],
        },
        {
          title: "GPUs and slices held by users, by kind",
          type: "timeseries",
          unit: "none",
          description: "Full GPUs have no MIG profile; slices are counted per profile (1g.5gb, 2g.10gb, …).",
          targets: [
            {
              expr: `count by (GPU_I_PROFILE) (${RULE_NAMES.userGpuUtilization})`,
              legendFormat: "{{GPU_I_PROFILE}}",
            },
          ],
        },
      ],
    },
    {
      uid: "jupyterhub-hub",
      title: "JupyterHub: users, spawns, quota",
      panels: [
        {
          title: "Users and running servers",
          type: "timeseries",
          unit: "none",
          description: "The hub's own gauges.",
          targets: [
            { expr: "jupyterhub_running_servers", legendFormat: "running servers" },
            { expr: "jupyterhub_active_users", legendFormat: "active users ({{period}})" },
          ],
        },
        {
          title: "User pods per notebook profile",
          type: "timeseries",
          unit: "none",
          description:
            "User pods by the profile they were started with (their profile label, through kube-state-metrics).",
          targets: [
            {
              expr: `count by (profile) (label_replace(max by (namespace, pod, ${PROFILE_LABEL_METRIC}) (kube_pod_labels{${users}, ${PROFILE_LABEL_METRIC}!=""}), "profile", "$1", "${PROFILE_LABEL_METRIC}", "(.+)"))`,
              legendFormat: "{{profile}}",
            },
          ],
        },
        {
          title: "Users per GPU resource",
          type: "timeseries",
          unit: "none",
          description:
            "User pods by the GPU resource they request (nvidia_com_gpu, nvidia_com_mig_1g_5gb, …): needs kube-state-metrics in the same Prometheus.",
          targets: [
            {
              expr: `count by (resource) (kube_pod_container_resource_requests{${users}, resource=~"nvidia_com_.+"})`,
              legendFormat: "{{resource}}",
            },
          ],
        },
        {
          title: "Spawn latency",
          type: "timeseries",
          unit: "s",
          description: "Successful spawns of the last 30 minutes, 50th and 90th percentile.",
          targets: [
            { expr: RULE_NAMES.spawnDurationP50, legendFormat: "p50" },
            { expr: RULE_NAMES.spawnDurationP90, legendFormat: "p90" },
          ],
        },
        {
          title: "Spawns per minute, by outcome",
          type: "timeseries",
          unit: "none",
          description: "success, failure, already-pending, throttled, too-many-users.",
          targets: [
            {
              expr: "sum by (status) (rate(jupyterhub_server_spawn_duration_seconds_count[5m])) * 60",
              legendFormat: "{{status}}",
            },
          ],
        },
        {
          title: "Quota use",
          type: "bargauge",
          unit: "percent",
          description: "Each resource of the users' ResourceQuota (needs kube-state-metrics).",
          targets: [{ expr: RULE_NAMES.quotaUsed, legendFormat: "{{resource}}" }],
        },
        {
          title: "Scrape targets up",
          type: "stat",
          unit: "none",
          description: "1 per answering target of each job.",
          targets: [{ expr: `sum by (job) (up{job=~"${JOBS.join("|")}"})`, legendFormat: "{{job}}" }],
        },
        ...(config.backup.enabled ? backupPanels(config) : []),
      ],
    },
  ];
}

/** The backup CronJobs (backup.ts), from the backup rules (needs kube-state-metrics). */
function backupPanels(config: Pick<PlatformConfig, "backup">): PanelSpec[] {
  const slackHours = backupSlackSeconds(config) / 3600;
  return [
    {
      title: "Backups: time since the last success",
      type: "bargauge",
      unit: "s",
      description: `Each backup CronJob: time since its last successful run (since its creation while it has none). ${RULE_NAMES.backupTooOldAlert} fires above its schedule's period plus ${slackHours} h.`,
      targets: [{ expr: RULE_NAMES.backupAge, legendFormat: "{{cronjob}}" }],
    },
    {
      title: "Backups: failed runs not made good",
      type: "stat",
      unit: "none",
      description: `Backup Jobs that failed with no later success of their CronJob (firing ${RULE_NAMES.backupFailedAlert}); the alert names each Job.`,
      targets: [
        {
          expr: `count(ALERTS{alertname="${RULE_NAMES.backupFailedAlert}", alertstate="firing"}) or vector(0)`,
          legendFormat: "failed runs",
        },
      ],
    },
  ];
}

/** Grafana's reference to the dashboard's data-source variable (a Grafana placeholder, not a template string). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax.
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** Grafana's dashboard JSON (schema 39): two panels a row, a data-source variable for any Prometheus. */
export function grafanaDashboard(dashboard: Dashboard) {
  return {
    uid: dashboard.uid,
    title: dashboard.title,
    tags: ["jupyterhub", "gpu-jupyterhub"],
    schemaVersion: 39,
    editable: false,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    templating: {
      list: [{ name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus" }],
    },
    panels: dashboard.panels.map((panel, index) => ({
      id: index + 1,
      title: panel.title,
      description: panel.description,
      type: panel.type,
      datasource: DATASOURCE,
      gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
      fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
      targets: panel.targets.map((target, ref) => ({
        refId: String.fromCharCode(65 + ref),
        datasource: DATASOURCE,
        expr: target.expr,
        legendFormat: target.legendFormat,
      })),
    })),
  };
}

/**
 * One ConfigMap per dashboard, with the sidecar's labels, in monitoring.dashboards.namespace or else
 * the monitoring namespace (`monitoringNamespaceRef`: the Namespace object's name when we create it).
 */
export function dashboardConfigMaps(
  config: Pick<PlatformConfig, "cluster" | "monitoring" | "backup">,
  monitoringNamespaceRef: pulumi.Input<string> = monitoringNamespace(config.monitoring),
) {
  const { dashboards: settings } = config.monitoring;
  const namespace = settings.namespace ?? monitoringNamespaceRef;
  return dashboards(config).map((dashboard) => ({
    metadata: objectMeta(`${dashboard.uid}-dashboard`, namespace, "monitoring", { ...settings.labels }),
    data: { [`${dashboard.uid}.json`]: JSON.stringify(grafanaDashboard(dashboard), null, 2) },
  }));
}
