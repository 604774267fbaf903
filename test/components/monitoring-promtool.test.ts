/**
 * The monitoring section's Prometheus configuration and rules, checked by the real promtool: the
 * bundled prometheus.yml loads (`check config`), the rules parse (`check rules`), and the rules do
 * what docs/operations.md says with series for an idle and a busy GPU, an idle MIG slice, a failed
 * spawn, slow spawns, a nearly full quota and a target that stopped answering (`test rules`).
 * The series carry the labels the real exporters write (DCGM exporter with the kubelet's
 * pod-resources mapping, JupyterHub 5.x, kube-state-metrics).
 */
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, test } from "node:test";
import { prometheusConfig } from "../../components/cluster/monitoring-prometheus-config";
import { monitoringRuleGroups } from "../../components/cluster/monitoring-rules";
import { scrapeTargets } from "../../components/cluster/monitoring-targets";
import type { PlatformConfig } from "../../config/schema/platform";
import {
  A100,
  DCGM,
  expectPass,
  gpu,
  RULES_FILE,
  ruleTests,
  series,
  slice,
  withMonitoring,
} from "../support/monitoring-series";
import { ensureBuilt, folderWith, promtool } from "../support/promtool";

let config: PlatformConfig;
before(() => {
  ensureBuilt("promtool");
  config = withMonitoring({ mode: "bundled" });
});

describe("promtool accepts what we render", () => {
  test("check config: the bundled prometheus.yml, with its rules file and token file beside it", () => {
    const rules = { groups: monitoringRuleGroups(config) };
    const folder = folderWith({ [RULES_FILE]: rules, "hub-token": "x", "account-token": "y" });
    const paths = {
      hubTokenFile: path.join(folder, "hub-token"),
      serviceAccountTokenFile: path.join(folder, "account-token"),
      rulesFile: path.join(folder, RULES_FILE),
    };
    const rendered = prometheusConfig(config.monitoring, scrapeTargets(config), paths);
    const file = path.join(folderWith({ "prometheus.yml": rendered }), "prometheus.yml");
    const result = promtool(folder, "check", "config", file);
    assert.ok(result.ok, result.output);
    assert.match(result.output, /SUCCESS: 19 rules found/);
  });

  test("check rules: every group of the default and of a changed threshold and duration", () => {
    for (const changed of [config, withMonitoring({ idleGpu: { thresholdPercent: 5, duration: "1h" } })]) {
      const folder = folderWith({ [RULES_FILE]: { groups: monitoringRuleGroups(changed) } });
      const result = promtool(folder, "check", "rules", RULES_FILE);
      assert.ok(result.ok, result.output);
    }
  });
});

const idleAlert = (user: string, gpuLabels: Record<string, string>, value: string) => {
  const labels = { namespace: "jupyterhub", pod: `jupyter-${user}`, user, ...A100, ...gpuLabels };
  return {
    exp_labels: { ...labels, severity: "info", notify: "idle-gpu" },
    exp_annotations: {
      summary: `GPU of jupyter-${user} idle`,
      description: `jupyter-${user} has used its GPU ${gpuLabels.gpu} ${gpuLabels.GPU_I_PROFILE ?? ""} on gpu-node-1 below 10 % for 30m (now ${value} %).`,
    },
  };
};

describe("promtool test rules: what fires, and when", () => {
  test("an idle GPU and an idle MIG slice alert after 30 minutes below 10 %; a busy GPU, a short pause and an unassigned GPU do not", () => {
    const tests = ruleTests([
      {
        interval: "1m",
        input_series: [
          gpu("jupyter-alice", "0", "3x40"),
          gpu("jupyter-bob", "1", "95x40"),
          gpu("jupyter-dave", "2", "2x20 90 2x19"),
          series("DCGM_FI_DEV_GPU_UTIL", { ...DCGM, ...A100, gpu: "3", UUID: "GPU-free" }, "0x40"),
          slice("jupyter-carol", "7", "0.0625x40"),
        ],
        promql_expr_test: [
          {
            expr: 'jupyterhub:user_gpu_utilization:percent{user=~"alice|carol"}',
            eval_time: "5m",
            exp_samples: [
              { labels: labelsOf("alice", { gpu: "0", UUID: "GPU-jupyter-alice" }), value: 3 },
              {
                labels: labelsOf("carol", {
                  gpu: "0",
                  UUID: "GPU-mig",
                  GPU_I_PROFILE: "1g.5gb",
                  GPU_I_ID: "7",
                }),
                value: 6.25,
              },
            ],
          },
        ],
        alert_rule_test: [
          { eval_time: "29m", alertname: "JupyterHubGpuIdle", exp_alerts: [] },
          {
            eval_time: "31m",
            alertname: "JupyterHubGpuIdle",
            exp_alerts: [
              idleAlert("alice", { gpu: "0", UUID: "GPU-jupyter-alice" }, "3"),
              idleAlert(
                "carol",
                { gpu: "0", UUID: "GPU-mig", GPU_I_PROFILE: "1g.5gb", GPU_I_ID: "7" },
                "6.25",
              ),
            ],
          },
        ],
      },
    ]);
    expectPass(config, tests);
  });

  test("GPU utilisation per profile: each user pod's GPU with its profile label from kube_pod_labels, and the average per profile; a pod without the label is left out, a second kube-state-metrics changes nothing", () => {
    const ksm = (instance: string, pod: string, profile?: string) =>
      series(
        "kube_pod_labels",
        {
          job: "kube-state-metrics",
          instance,
          namespace: "jupyterhub",
          pod,
          uid: `uid-${pod}`,
          ...(profile ? { label_gpu_jupyterhub_profile: profile } : {}),
        },
        "1x20",
      );
    const withProfile = (user: string, gpuLabels: Record<string, string>, profile: string) =>
      labelsOf(user, gpuLabels)
        .replace(
          "jupyterhub:user_gpu_utilization:percent",
          "jupyterhub:user_gpu_utilization_by_profile:percent",
        )
        .replace(/}$/, `, profile="${profile}"}`);
    const tests = ruleTests([
      {
        interval: "1m",
        input_series: [
          gpu("jupyter-alice", "0", "3x20"),
          gpu("jupyter-bob", "1", "95x20"),
          slice("jupyter-carol", "7", "0.0625x20"),
          gpu("jupyter-dave", "2", "50x20"),
          ksm("10.42.3.40:8080", "jupyter-alice", "a100-full"),
          ksm("10.42.3.41:8080", "jupyter-alice", "a100-full"),
          ksm("10.42.3.40:8080", "jupyter-bob", "a100-full"),
          ksm("10.42.3.40:8080", "jupyter-carol", "mig-1g-5gb"),
          ksm("10.42.3.40:8080", "jupyter-dave"),
          ksm("10.42.3.40:8080", "jupyter-erin", "cpu-small"),
        ],
        promql_expr_test: [
          {
            expr: "jupyterhub:user_gpu_utilization_by_profile:percent",
            eval_time: "5m",
            exp_samples: [
              {
                labels: withProfile("alice", { gpu: "0", UUID: "GPU-jupyter-alice" }, "a100-full"),
                value: 3,
              },
              { labels: withProfile("bob", { gpu: "1", UUID: "GPU-jupyter-bob" }, "a100-full"), value: 95 },
              {
                labels: withProfile(
                  "carol",
                  { gpu: "0", UUID: "GPU-mig", GPU_I_PROFILE: "1g.5gb", GPU_I_ID: "7" },
                  "mig-1g-5gb",
                ),
                value: 6.25,
              },
            ],
          },
          {
            expr: "jupyterhub:profile_gpu_utilization:avg_percent",
            eval_time: "5m",
            exp_samples: [
              { labels: 'jupyterhub:profile_gpu_utilization:avg_percent{profile="a100-full"}', value: 49 },
              {
                labels: 'jupyterhub:profile_gpu_utilization:avg_percent{profile="mig-1g-5gb"}',
                value: 6.25,
              },
            ],
          },
        ],
      },
    ]);
    expectPass(config, tests);
  });

  test("a failed spawn alerts at once; spawns slower than 300 s at the 90th percentile alert after 15 minutes", () => {
    const hub = { job: "jupyterhub-hub", instance: "10.42.0.7:8081", namespace: "jupyterhub", pod: "hub-0" };
    const bucket = (le: string, values: string) =>
      series("jupyterhub_server_spawn_duration_seconds_bucket", { ...hub, status: "success", le }, values);
    const tests = ruleTests([
      {
        interval: "1m",
        input_series: [
          series("jupyterhub_server_spawn_duration_seconds_count", { ...hub, status: "failure" }, "0x5 1x30"),
          // Every spawn takes between 300 and 600 s: one more each minute in the 600 bucket.
          bucket("300", "0x60"),
          bucket("600", "0+1x60"),
          bucket("+Inf", "0+1x60"),
        ],
        alert_rule_test: [
          { eval_time: "4m", alertname: "JupyterHubSpawnFailures", exp_alerts: [] },
          {
            eval_time: "7m",
            alertname: "JupyterHubSpawnFailures",
            exp_alerts: [
              {
                exp_labels: { severity: "warning" },
                exp_annotations: annotationsOf("JupyterHubSpawnFailures"),
              },
            ],
          },
          { eval_time: "40m", alertname: "JupyterHubSpawnFailures", exp_alerts: [] },
          {
            eval_time: "50m",
            alertname: "JupyterHubSpawnsSlow",
            exp_alerts: [
              {
                exp_labels: { severity: "warning" },
                exp_annotations: annotationsOf("JupyterHubSpawnsSlow"),
              },
            ],
          },
        ],
      },
    ]);
    expectPass(config, tests);
  });

  test("a quota resource at 90 % or more alerts after 5 minutes; one at 50 % does not; a silent target alerts after 10", () => {
    const quota = {
      job: "kube-state-metrics",
      instance: "10.42.0.9:8080",
      namespace: "jupyterhub",
      resourcequota: "jupyterhub-quota",
    };
    const used = (resource: string, type: string, values: string) =>
      series("kube_resourcequota", { ...quota, resource, type }, values);
    const hub = { job: "jupyterhub-hub", instance: "10.42.0.7:8081", namespace: "jupyterhub", pod: "hub-0" };
    const tests = ruleTests([
      {
        interval: "1m",
        input_series: [
          used("requests.nvidia.com/gpu", "hard", "8x20"),
          used("requests.nvidia.com/gpu", "used", "8x20"),
          used("requests.cpu", "hard", "200x20"),
          used("requests.cpu", "used", "100x20"),
          series("up", hub, "1x3 0x20"),
        ],
        alert_rule_test: [
          { eval_time: "4m", alertname: "JupyterHubQuotaNearlyFull", exp_alerts: [] },
          {
            eval_time: "6m",
            alertname: "JupyterHubQuotaNearlyFull",
            exp_alerts: [
              {
                // Per quota and resource: a second kube-state-metrics (another job, instance) changes nothing.
                exp_labels: {
                  namespace: "jupyterhub",
                  resourcequota: "jupyterhub-quota",
                  resource: "requests.nvidia.com/gpu",
                  severity: "warning",
                },
                exp_annotations: {
                  summary: "requests.nvidia.com/gpu of the users' quota nearly used up",
                  description:
                    "requests.nvidia.com/gpu of jupyterhub-quota is 100 % used (alert at 90 %): the next users may not start.",
                },
              },
            ],
          },
          { eval_time: "12m", alertname: "JupyterHubMetricsTargetDown", exp_alerts: [] },
          {
            eval_time: "14m",
            alertname: "JupyterHubMetricsTargetDown",
            exp_alerts: [
              {
                exp_labels: { ...hub, severity: "warning" },
                exp_annotations: annotationsOf("JupyterHubMetricsTargetDown", hub),
              },
            ],
          },
        ],
      },
    ]);
    expectPass(config, tests);
  });
});

describe("promtool test rules: the backups (kube-state-metrics' series for the backup CronJobs and their Jobs)", () => {
  const ksm = { job: "kube-state-metrics", instance: "10.42.3.40:8080", namespace: "jupyterhub-backup" };
  const cronJob = (metric: string, cronjob: string, values: string) =>
    series(metric, { ...ksm, cronjob }, values);
  const job = (metric: string, jobName: string, values: string, extra: Record<string, string> = {}) =>
    series(metric, { ...ksm, job_name: jobName, ...extra }, values);
  const ownedBy = (jobName: string, cronjob: string) =>
    job("kube_job_owner", jobName, "1x60", {
      owner_kind: "CronJob",
      owner_name: cronjob,
      owner_is_controller: "true",
    });
  /** A Job whose pods failed: kube-state-metrics writes one series per known reason, 1 for the job's. */
  const failedJob = (jobName: string, cronjob: string, started: number) => [
    ownedBy(jobName, cronjob),
    job("kube_job_status_start_time", jobName, `${started}x60`),
    job("kube_job_status_failed", jobName, "1x60", { reason: "BackoffLimitExceeded" }),
    job("kube_job_status_failed", jobName, "0x60", { reason: "DeadlineExceeded" }),
    job("kube_job_status_failed", jobName, "0x60", { reason: "Evicted" }),
  ];
  const succeededJob = (jobName: string, cronjob: string, started: number) => [
    ownedBy(jobName, cronjob),
    job("kube_job_status_start_time", jobName, `${started}x60`),
    job("kube_job_status_failed", jobName, "0x60"),
  ];
  const HOUR = 3600;
  const DAY = 24 * HOUR;
  const MONTH_AGO = -30 * DAY;

  test("a fresh backup is quiet; a stale one alerts once older than its period plus 7 h; a failed run alerts at once and stops when a later run succeeds; a failure made good long ago does not", () => {
    // The test starts at time 0, one hour after the nightly runs (02:15) and the weekly datasets run.
    const tests = ruleTests(
      [
        {
          interval: "10m",
          input_series: [
            ...["backup-home", "backup-database", "backup-datasets"].map((name) =>
              cronJob("kube_cronjob_created", name, `${MONTH_AGO}x60`),
            ),
            ...["backup-home", "backup-database", "backup-datasets"].map((name) =>
              cronJob("kube_cronjob_status_last_schedule_time", name, `${-HOUR}x60`),
            ),
            cronJob("kube_cronjob_next_schedule_time", "backup-home", `${DAY - HOUR}x60`),
            cronJob("kube_cronjob_next_schedule_time", "backup-database", `${DAY - HOUR}x60`),
            cronJob("kube_cronjob_next_schedule_time", "backup-datasets", `${7 * DAY - HOUR}x60`),
            // Fresh: last night's run finished 50 minutes ago.
            cronJob("kube_cronjob_status_last_successful_time", "backup-home", "-3000x60"),
            ...succeededJob("backup-home-29400000", "backup-home", -HOUR),
            // Stale: last night's run did not start (nothing to see but the age); the one before succeeded.
            cronJob("kube_cronjob_status_last_successful_time", "backup-database", `${-DAY - 3000}x60`),
            // Failed: this week's run failed; a run started by hand at 2 h succeeds at 3 h.
            cronJob(
              "kube_cronjob_status_last_successful_time",
              "backup-datasets",
              `${-7 * DAY - 3000}x17 ${3 * HOUR}x42`,
            ),
            ...failedJob("backup-datasets-29400000", "backup-datasets", -HOUR),
            ...succeededJob("backup-datasets-rerun", "backup-datasets", 2 * HOUR),
            // Two weeks ago a run failed, and the next week's succeeded: made good, no alert.
            ...failedJob("backup-datasets-29380000", "backup-datasets", -14 * DAY - HOUR),
          ],
          promql_expr_test: [
            {
              expr: "jupyterhub:backup_last_success:age_seconds",
              eval_time: "1h",
              exp_samples: [
                { labels: ageOf("backup-database"), value: DAY + 3000 + HOUR },
                { labels: ageOf("backup-datasets"), value: 7 * DAY + 3000 + HOUR },
                { labels: ageOf("backup-home"), value: 3000 + HOUR },
              ],
            },
            {
              expr: "jupyterhub:backup_schedule:period_seconds",
              eval_time: "1h",
              exp_samples: [
                { labels: periodOf("backup-database"), value: DAY },
                { labels: periodOf("backup-datasets"), value: 7 * DAY },
                { labels: periodOf("backup-home"), value: DAY },
              ],
            },
          ],
          alert_rule_test: [
            {
              eval_time: "1h",
              alertname: "JupyterHubBackupFailed",
              exp_alerts: [
                {
                  exp_labels: {
                    namespace: "jupyterhub-backup",
                    job_name: "backup-datasets-29400000",
                    cronjob: "backup-datasets",
                    severity: "warning",
                  },
                  exp_annotations: annotationsOf("JupyterHubBackupFailed", {
                    namespace: "jupyterhub-backup",
                    job_name: "backup-datasets-29400000",
                    cronjob: "backup-datasets",
                  }),
                },
              ],
            },
            { eval_time: "4h", alertname: "JupyterHubBackupFailed", exp_alerts: [] },
            // The database's age reaches its period (1 d) plus 7 h at 6 h 10 m.
            { eval_time: "6h10m", alertname: "JupyterHubBackupTooOld", exp_alerts: [] },
            {
              eval_time: "6h20m",
              alertname: "JupyterHubBackupTooOld",
              exp_alerts: [
                {
                  exp_labels: {
                    namespace: "jupyterhub-backup",
                    cronjob: "backup-database",
                    severity: "critical",
                  },
                  exp_annotations: {
                    ...annotationsOf("JupyterHubBackupTooOld", {
                      namespace: "jupyterhub-backup",
                      cronjob: "backup-database",
                    }),
                    summary: "Backup backup-database has not succeeded for 1d 7h 10m 0s",
                  },
                },
              ],
            },
            { eval_time: "1h", alertname: "JupyterHubBackupNotMonitored", exp_alerts: [] },
          ],
        },
      ],
      "10m",
    );
    expectPass(config, tests);
  });

  test("without kube-state-metrics' series for the backup namespace, an alert says the backups are not watched after 15 minutes", () => {
    const tests = ruleTests([
      {
        interval: "1m",
        input_series: [
          // Another namespace's CronJob does not count.
          series("kube_cronjob_created", { ...ksm, namespace: "other", cronjob: "x" }, "0x30"),
        ],
        alert_rule_test: [
          { eval_time: "14m", alertname: "JupyterHubBackupNotMonitored", exp_alerts: [] },
          {
            eval_time: "16m",
            alertname: "JupyterHubBackupNotMonitored",
            exp_alerts: [
              {
                exp_labels: { namespace: "jupyterhub-backup", severity: "warning" },
                exp_annotations: annotationsOf("JupyterHubBackupNotMonitored"),
              },
            ],
          },
          { eval_time: "16m", alertname: "JupyterHubBackupTooOld", exp_alerts: [] },
          { eval_time: "16m", alertname: "JupyterHubBackupFailed", exp_alerts: [] },
        ],
      },
    ]);
    expectPass(config, tests);
  });
});

const ageOf = (cronjob: string) =>
  `jupyterhub:backup_last_success:age_seconds{cronjob="${cronjob}", namespace="jupyterhub-backup"}`;
const periodOf = (cronjob: string) =>
  `jupyterhub:backup_schedule:period_seconds{cronjob="${cronjob}", namespace="jupyterhub-backup"}`;

function labelsOf(user: string, gpuLabels: Record<string, string>): string {
  const labels = { namespace: "jupyterhub", pod: `jupyter-${user}`, user, ...A100, ...gpuLabels };
  const body = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(", ");
  return `jupyterhub:user_gpu_utilization:percent{${body}}`;
}

/** An alert's annotations as the rules write them, templates filled in with `labels`. */
function annotationsOf(alert: string, labels: Record<string, string> = {}): Record<string, string> {
  const rule = monitoringRuleGroups(config)
    .flatMap((group) => group.rules)
    .find((candidate) => candidate.alert === alert);
  assert.ok(rule?.annotations, `${alert} has annotations`);
  const fill = (text: string) =>
    text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, key: string) => labels[key] ?? "");
  return Object.fromEntries(Object.entries(rule.annotations).map(([key, text]) => [key, fill(text)]));
}
