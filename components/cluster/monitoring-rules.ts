/**
 * The Prometheus rules as code: one pure builder for both modes (the bundled Prometheus's rules
 * file and the operator's PrometheusRule carry the same groups). Tested with the real promtool
 * (test/components/monitoring-promtool.test.ts): check rules, and test rules with series for an
 * idle and a busy GPU, a failed spawn, a nearly full quota, and a fresh, a stale and a failed backup.
 *
 * Where the series come from:
 * - GPUs: the GPU Operator's DCGM exporter. It maps each GPU (and MIG slice) to the pod holding it
 *   through the kubelet's pod-resources API, as labels namespace, pod, container. A full GPU reports
 *   DCGM_FI_DEV_GPU_UTIL (percent); a MIG slice does not (NVML has no utilisation per MIG device),
 *   so slices use DCGM_FI_PROF_GR_ENGINE_ACTIVE (a ratio, in the operator's default metric list),
 *   told apart by the GPU_I_ID label a slice's series carry.
 * - Spawns: the hub's own jupyterhub_server_spawn_duration_seconds histogram, label status
 *   (success, failure, already-pending, throttled, too-many-users; jupyterhub 5.x metrics.py).
 * - The quota and the backups: kube-state-metrics (ours with `bundled`, monitoring-kube-state-metrics.ts;
 *   the cluster's with kube-prometheus-stack): kube_resourcequota, and the backup CronJobs' and Jobs'
 *   kube_cronjob_* and kube_job_* series. Each rule first takes the max per object (namespace and
 *   name), so two kube-state-metrics scraped by one Prometheus change nothing.
 */
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES, PROFILE_LABEL_METRIC } from "../names";
import { BACKUP_STARTING_DEADLINE_SECONDS } from "./backup-spec";

export interface PrometheusRule {
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly PrometheusRule[];
}

/** Names of the recording rules and alerts, for dashboards, the notifier and the docs. */
export const RULE_NAMES = {
  gpuUtilization: "jupyterhub:gpu_utilization:percent",
  userGpuUtilization: "jupyterhub:user_gpu_utilization:percent",
  userGpuUtilizationByProfile: "jupyterhub:user_gpu_utilization_by_profile:percent",
  profileGpuUtilization: "jupyterhub:profile_gpu_utilization:avg_percent",
  spawnDurationP50: "jupyterhub:spawn_duration_seconds:p50_30m",
  spawnDurationP90: "jupyterhub:spawn_duration_seconds:p90_30m",
  spawnFailures: "jupyterhub:spawn_failures:increase15m",
  quotaUsed: "jupyterhub:quota_used:percent",
  backupAge: "jupyterhub:backup_last_success:age_seconds",
  backupPeriod: "jupyterhub:backup_schedule:period_seconds",
  backupJobCronJob: "jupyterhub:backup_job_cronjob:info",
  idleGpuAlert: "JupyterHubGpuIdle",
  spawnFailureAlert: "JupyterHubSpawnFailures",
  slowSpawnAlert: "JupyterHubSpawnsSlow",
  quotaAlert: "JupyterHubQuotaNearlyFull",
  targetDownAlert: "JupyterHubMetricsTargetDown",
  backupTooOldAlert: "JupyterHubBackupTooOld",
  backupFailedAlert: "JupyterHubBackupFailed",
  backupUnwatchedAlert: "JupyterHubBackupNotMonitored",
} as const;

/** A spawn slower than this at the 90th percentile for 15 minutes alerts (the pre-pullers should keep it far lower). */
export const SLOW_SPAWN_SECONDS = 300;

/** The labels that name one GPU or MIG slice on one node, and the pod holding it. */
const GPU_LABELS = "Hostname, gpu, UUID, modelName, GPU_I_PROFILE, GPU_I_ID";

export type RulesConfig = Pick<PlatformConfig, "monitoring" | "cluster" | "backup">;

/** The job names of the targets (monitoring-targets.ts sets them in both modes). */
export const JOBS = [
  "jupyterhub-hub",
  "jupyterhub-proxy",
  "dcgm-exporter",
  "jupyterhub-user-scheduler",
  "kube-state-metrics",
];

/**
 * How late a backup may succeed after its scheduled time and still count as on time: the controller
 * may start it up to startingDeadlineSeconds late, and it may run up to backup.deadlineSeconds.
 */
export function backupSlackSeconds(config: Pick<PlatformConfig, "backup">): number {
  return BACKUP_STARTING_DEADLINE_SECONDS + config.backup.deadlineSeconds;
}

export function monitoringRuleGroups(config: RulesConfig): RuleGroup[] {
  const { idleGpu, quotaNearFullPercent } = config.monitoring;
  const hubNamespace = config.cluster.namespace;
  const users = `namespace="${hubNamespace}", pod=~"jupyter-.+"`;
  const quota = `namespace="${hubNamespace}", resourcequota="${NAMES.quota}"`;
  const spawns = "jupyterhub_server_spawn_duration_seconds";
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (le) (rate(${spawns}_bucket{status="success"}[30m])))`;
  return [
    {
      name: "jupyterhub-gpu.rules",
      rules: [
        {
          record: RULE_NAMES.gpuUtilization,
          expr: `DCGM_FI_DEV_GPU_UTIL{GPU_I_ID=""} or 100 * DCGM_FI_PROF_GR_ENGINE_ACTIVE{GPU_I_ID!=""}`,
        },
        {
          record: RULE_NAMES.userGpuUtilization,
          expr: `label_replace(max by (namespace, pod, ${GPU_LABELS}) (${RULE_NAMES.gpuUtilization}{${users}}), "user", "$1", "pod", "jupyter-(.+)")`,
        },
        // The notebook profile from the pod's label (kube_pod_labels, kube-state-metrics with the label
        // allowed): max per pod, so two kube-state-metrics change nothing. A pod without the label (one
        // started before the label existed) or without kube-state-metrics' series is left out here only.
        {
          record: RULE_NAMES.userGpuUtilizationByProfile,
          expr: `${RULE_NAMES.userGpuUtilization} * on (namespace, pod) group_left (profile) max by (namespace, pod, profile) (label_replace(kube_pod_labels{${users}, ${PROFILE_LABEL_METRIC}!=""}, "profile", "$1", "${PROFILE_LABEL_METRIC}", "(.+)"))`,
        },
        {
          record: RULE_NAMES.profileGpuUtilization,
          expr: `avg by (profile) (${RULE_NAMES.userGpuUtilizationByProfile})`,
        },
        {
          alert: RULE_NAMES.idleGpuAlert,
          expr: `${RULE_NAMES.userGpuUtilization} < ${idleGpu.thresholdPercent}`,
          for: idleGpu.duration,
          labels: { severity: "info", notify: "idle-gpu" },
          annotations: {
            summary: "GPU of {{ $labels.pod }} idle",
            description: `{{ $labels.pod }} has used its GPU {{ $labels.gpu }} {{ $labels.GPU_I_PROFILE }} on {{ $labels.Hostname }} below ${idleGpu.thresholdPercent} % for ${idleGpu.duration} (now {{ $value }} %).`,
          },
        },
      ],
    },
    {
      name: "jupyterhub-spawn.rules",
      rules: [
        { record: RULE_NAMES.spawnDurationP50, expr: quantile(0.5) },
        { record: RULE_NAMES.spawnDurationP90, expr: quantile(0.9) },
        {
          record: RULE_NAMES.spawnFailures,
          expr: `sum(increase(${spawns}_count{status="failure"}[15m]))`,
        },
        {
          alert: RULE_NAMES.spawnFailureAlert,
          expr: `${RULE_NAMES.spawnFailures} > 0`,
          labels: { severity: "warning" },
          annotations: {
            summary: "Notebook servers failed to start",
            description: `Spawns failed in the last 15 minutes (${RULE_NAMES.spawnFailures}): see the hub's log (kubectl logs deploy/hub) and the user pods' events.`,
          },
        },
        {
          alert: RULE_NAMES.slowSpawnAlert,
          expr: `${RULE_NAMES.spawnDurationP90} > ${SLOW_SPAWN_SECONDS}`,
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Notebook servers start slowly",
            description: `The 90th percentile of the spawns of the last 30 minutes is above ${SLOW_SPAWN_SECONDS} s (${RULE_NAMES.spawnDurationP90}): image pulls, a full quota or no free GPU.`,
          },
        },
      ],
    },
    {
      name: "jupyterhub-quota.rules",
      rules: [
        {
          record: RULE_NAMES.quotaUsed,
          expr: `100 * max by (namespace, resourcequota, resource) (kube_resourcequota{${quota}, type="used"}) / max by (namespace, resourcequota, resource) (kube_resourcequota{${quota}, type="hard"} > 0)`,
        },
        {
          alert: RULE_NAMES.quotaAlert,
          expr: `${RULE_NAMES.quotaUsed} >= ${quotaNearFullPercent}`,
          for: "5m",
          labels: { severity: "warning" },
          annotations: {
            summary: "{{ $labels.resource }} of the users' quota nearly used up",
            description: `{{ $labels.resource }} of ${NAMES.quota} is {{ $value }} % used (alert at ${quotaNearFullPercent} %): the next users may not start.`,
          },
        },
        {
          alert: RULE_NAMES.targetDownAlert,
          expr: `up{job=~"${JOBS.join("|")}"} == 0`,
          for: "10m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Prometheus cannot scrape {{ $labels.job }}",
            description:
              "{{ $labels.job }} at {{ $labels.instance }} has not answered for 10 minutes (pod down, network policy or token).",
          },
        },
      ],
    },
    ...(config.backup.enabled ? [backupRuleGroup(config)] : []),
  ];
}

/**
 * The backup CronJobs (backup.ts), from kube-state-metrics: a backup whose last success is older than
 * its schedule's period plus the slack, a failed run no later run has made good, and no series at all.
 * The period is the CronJob's own (next run minus last run, as kube-state-metrics computes the next
 * from the schedule and time zone), so a weekly and a nightly job need no settings of their own.
 * A CronJob never run or never successful counts from its creation; a suspended one (no next run)
 * never alerts.
 */
function backupRuleGroup(config: RulesConfig): RuleGroup {
  const selector = `namespace="${config.backup.namespace}"`;
  const perCronJob = (metric: string) => `max by (namespace, cronjob) (${metric}{${selector}})`;
  const perJob = (metric: string) => `max by (namespace, job_name) (${metric}{${selector}})`;
  const created = perCronJob("kube_cronjob_created");
  const lastSuccess = perCronJob("kube_cronjob_status_last_successful_time");
  const slack = backupSlackSeconds(config);
  const withCronJob = `* on (namespace, job_name) group_left (cronjob) ${RULE_NAMES.backupJobCronJob}`;
  return {
    name: "jupyterhub-backup.rules",
    rules: [
      { record: RULE_NAMES.backupAge, expr: `time() - (${lastSuccess} or ${created})` },
      {
        record: RULE_NAMES.backupPeriod,
        expr: `${perCronJob("kube_cronjob_next_schedule_time")} - (${perCronJob("kube_cronjob_status_last_schedule_time")} or ${created})`,
      },
      {
        record: RULE_NAMES.backupJobCronJob,
        expr: `max by (namespace, job_name, cronjob) (label_replace(kube_job_owner{${selector}, owner_kind="CronJob"}, "cronjob", "$1", "owner_name", "(.+)"))`,
      },
      {
        alert: RULE_NAMES.backupTooOldAlert,
        expr: `${RULE_NAMES.backupAge} > ${RULE_NAMES.backupPeriod} + ${slack}`,
        labels: { severity: "critical" },
        annotations: {
          summary: "Backup {{ $labels.cronjob }} has not succeeded for {{ $value | humanizeDuration }}",
          description: `The last successful run of {{ $labels.cronjob }} is older than its schedule's period plus ${slack / 3600} h (the latest a run may start and finish): see kubectl get jobs -n {{ $labels.namespace }} and the last job's log.`,
        },
      },
      {
        alert: RULE_NAMES.backupFailedAlert,
        expr: `(${perJob("kube_job_status_failed")} > 0) ${withCronJob} unless on (namespace, job_name) (${perJob("kube_job_status_start_time")} ${withCronJob} < on (namespace, cronjob) group_left () ${lastSuccess})`,
        labels: { severity: "warning" },
        annotations: {
          summary: "Backup run {{ $labels.job_name }} of {{ $labels.cronjob }} failed",
          description:
            "Job {{ $labels.job_name }} failed and no run of {{ $labels.cronjob }} has succeeded since it started: kubectl logs -n {{ $labels.namespace }} job/{{ $labels.job_name }} (restic exit 12: wrong password; 3: unreadable files).",
        },
      },
      {
        alert: RULE_NAMES.backupUnwatchedAlert,
        expr: `absent(kube_cronjob_created{${selector}})`,
        for: "15m",
        labels: { severity: "warning" },
        annotations: {
          summary: "No kube-state-metrics series for the backup CronJobs",
          description: `Prometheus has no kube_cronjob_created series for namespace ${config.backup.namespace}, so the backup alerts cannot fire: kube-state-metrics is down, not scraped, or not allowed to list CronJobs there.`,
        },
      },
    ],
  };
}
