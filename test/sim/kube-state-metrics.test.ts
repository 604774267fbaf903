/**
 * The real kube-state-metrics v2.20.0 (built from the Go module proxy by sim/build-tools.sh, the
 * image's version) against a simulated cluster with the prod stack: it runs with the rendered
 * Deployment's flags and a token of the rendered ServiceAccount, so with exactly the rendered Roles,
 * and serves the series the backup and quota rules read. Then a real Prometheus v3.5.0 with the
 * rendered rules scrapes it (its pod discovery replaced by a static target, as in
 * test/hub/test_hub_metrics.py): a backup run that completes makes its CronJob's age small, a run
 * stopped by its deadline fires JupyterHubBackupFailed; a user pod's profile label reaches
 * kube_pod_labels and, joined with a stand-in DCGM series (no GPU here), the GPU use per profile.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import { freePorts } from "../../sim/ports";
import { type ProcessRecord, startProcess } from "../../sim/processes";
import { writeServiceAccountKubeconfig } from "../../sim/service-account";
import { BUILD_TOOLS } from "../../sim/tools";
import { hubSettingsFrom, userServer } from "../../sim/user-pods";
import { waitFor } from "../../sim/wait";
import { waitDeploymentsAvailable } from "../../sim/workloads";
import { ensureBuilt } from "../support/promtool";
import { SETUP_TIMEOUT, type SimulatedStack, simulatedStack, tearDown } from "./support";

const NAME = "e2e-kube-state-metrics";
let sim: SimulatedStack | undefined;
const stack = () => sim as SimulatedStack;
let ports: { metrics: number; telemetry: number; prometheus: number; dcgm: number };
/** A stand-in DCGM exporter (no GPU here): one MIG slice held by jupyter-kiri, 25 % busy. */
let dcgm: Server | undefined;
const DCGM_PAGE = `DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-mig",modelName="NVIDIA A100 80GB PCIe",Hostname="gpu-node-1",GPU_I_PROFILE="1g.5gb",GPU_I_ID="7",container="notebook",namespace="jupyterhub",pod="jupyter-kiri"} 0.25\n`;
let kubeconfig = "";
const processes: ProcessRecord[] = [];

interface CronJob {
  metadata: { name: string; uid: string };
  spec: { jobTemplate: { metadata?: { labels?: Record<string, string> }; spec: JobSpec } };
}
interface JobSpec {
  activeDeadlineSeconds?: number;
  template: { spec: Record<string, unknown> };
}
interface Job {
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

/** The binary sim/build-tools.sh built (a default target, so the cluster's start built it too). */
function kubeStateMetricsBinary(): string {
  const listed = spawnSync("bash", [BUILD_TOOLS, "--list", "kube-state-metrics"], { encoding: "utf8" });
  const file = listed.stdout.split("\n")[0]?.split(" ")[2];
  assert.ok(file, `build-tools.sh --list kube-state-metrics: ${listed.stdout}${listed.stderr}`);
  return file;
}

/** The rendered object of that kind and name. */
function rendered(kind: string, name: string) {
  const found = stack().objects.find((object) => object.kind === kind && object.metadata.name === name);
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
}

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

/** The lines of a metrics page with that metric name whose labels include every one given. */
function samples(page: string, metric: string, labels: Record<string, string> = {}): string[] {
  return page
    .split("\n")
    .filter((line) => line.startsWith(`${metric}{`))
    .filter((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
}
const sampleValue = (line: string | undefined) => Number(line?.slice(line.lastIndexOf(" ") + 1));

before(
  async () => {
    sim = await simulatedStack(NAME);
    const { cluster } = stack();
    const [metrics = 0, telemetry = 0, prometheus = 0, dcgmPort = 0] = await freePorts(4);
    ports = { metrics, telemetry, prometheus, dcgm: dcgmPort };
    // The exporter's text format; Prometheus 3 refuses a scrape without its Content-Type.
    const format = { "Content-Type": "text/plain; version=0.0.4" };
    dcgm = createServer((_, response) => response.writeHead(200, format).end(DCGM_PAGE)).listen(
      dcgmPort,
      "127.0.0.1",
    );
    const deployment = rendered("Deployment", "kube-state-metrics");
    const namespace = deployment.metadata.namespace ?? "";
    const pod = deployment.spec.template.spec;
    kubeconfig = await writeServiceAccountKubeconfig(
      cluster,
      namespace,
      pod.serviceAccountName,
      path.join(cluster.dir, "kube-state-metrics.kubeconfig"),
    );
    // The rendered flags, with free ports instead of the pod's (several clusters may run at once).
    const args = (pod.containers[0].args as string[]).map((arg) =>
      arg.startsWith("--port=")
        ? `--port=${metrics}`
        : arg.startsWith("--telemetry-port=")
          ? `--telemetry-port=${telemetry}`
          : arg,
    );
    processes.push(
      startProcess(cluster.dir, "kube-state-metrics", kubeStateMetricsBinary(), [
        ...args,
        "--host=127.0.0.1",
        "--telemetry-host=127.0.0.1",
        `--kubeconfig=${kubeconfig}`,
      ]),
    );

    const dir = path.join(cluster.dir, "prometheus");
    mkdirSync(path.join(dir, "data"), { recursive: true });
    const rules = rendered("ConfigMap", "prometheus-rules").data["jupyterhub.rules.yaml"];
    writeFileSync(path.join(dir, "rules.yaml"), rules);
    writeFileSync(
      path.join(dir, "prometheus.yml"),
      stringify({
        global: { scrape_interval: "1s", evaluation_interval: "1s" },
        rule_files: [path.join(dir, "rules.yaml")],
        scrape_configs: [
          {
            job_name: "kube-state-metrics",
            honor_labels: true,
            static_configs: [{ targets: [`127.0.0.1:${metrics}`] }],
          },
          {
            job_name: "dcgm-exporter",
            honor_labels: true,
            static_configs: [{ targets: [`127.0.0.1:${dcgmPort}`] }],
          },
        ],
      }),
    );
    processes.push(
      startProcess(cluster.dir, "prometheus", ensureBuilt("prometheus"), [
        `--config.file=${path.join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${prometheus}`,
      ]),
    );
  },
  { timeout: SETUP_TIMEOUT },
);

after(() => {
  dcgm?.close();
  return tearDown(sim, NAME);
});

const metricsPage = () => text(`http://127.0.0.1:${ports.metrics}/metrics`);
const BACKUP = "jupyterhub-backup";

describe("kube-state-metrics on a simulated cluster, with only its rendered Roles", () => {
  test("the binary is the release of the rendered image", () => {
    const image: string = rendered("Deployment", "kube-state-metrics").spec.template.spec.containers[0].image;
    const version = spawnSync(kubeStateMetricsBinary(), ["version"], { encoding: "utf8" }).stdout;
    const release = image.slice(image.lastIndexOf(":v") + 2);
    assert.ok(version.includes(`version ${release} `), `${image}: ${version}`);
  });

  test("its pod is admitted where Pod Security restricted is enforced: the Deployment becomes Available (kwok runs the pod)", async () => {
    const { client } = stack().cluster;
    const namespace = rendered("Deployment", "kube-state-metrics").metadata.namespace ?? "";
    const labels = (
      await client.get<{ metadata: { labels: Record<string, string> } }>(`/api/v1/namespaces/${namespace}`)
    ).metadata.labels;
    assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
    const [ready] = await waitDeploymentsAvailable(client, namespace, ["kube-state-metrics"], 60_000);
    assert.equal(ready?.replicas, 1);
  });

  test("it serves the three backup CronJobs with their next run, and the users' quota, and no list it makes is refused", async () => {
    const quota = { namespace: "jupyterhub", resourcequota: "jupyterhub-quota" };
    // Each resource's store fills on its own: wait for both.
    const page = await waitFor(
      "kube_cronjob_created for the three backup CronJobs, and the quota",
      async () => {
        const current = await metricsPage();
        const cronJobs = samples(current, "kube_cronjob_created", { namespace: BACKUP });
        return cronJobs.length === 3 && samples(current, "kube_resourcequota", quota).length > 0 && current;
      },
      { timeoutMs: 60_000, intervalMs: 500, processes },
    );
    for (const cronjob of ["backup-home", "backup-datasets", "backup-database"]) {
      const next = samples(page, "kube_cronjob_next_schedule_time", { namespace: BACKUP, cronjob });
      assert.equal(next.length, 1, `${cronjob}: ${next}`);
      assert.ok(sampleValue(next[0]) > Date.now() / 1000, `${cronjob}'s next run is ahead: ${next[0]}`);
    }
    const gpus = samples(page, "kube_resourcequota", { ...quota, resource: "requests.nvidia.com/gpu" });
    assert.deepEqual(gpus.map((line) => line.match(/type="(\w+)"/)?.[1]).sort(), ["hard", "used"]);
    const telemetry = await text(`http://127.0.0.1:${ports.telemetry}/metrics`);
    const errors = ["kube_state_metrics_list_total", "kube_state_metrics_watch_total"].flatMap((metric) =>
      samples(telemetry, metric, { result: "error" }).filter((line) => sampleValue(line) > 0),
    );
    assert.deepEqual(errors, []);
    const log = readFileSync(processes[0]?.log ?? "", "utf8");
    assert.doesNotMatch(log, /forbidden/i);
  });

  test("a user pod as KubeSpawner makes it carries its profile; kube_pod_labels shows it (the allowlist) and no other label, and Prometheus with the rendered rules gives its GPU use per profile", async () => {
    const { client } = stack().cluster;
    const settings = await hubSettingsFrom(client, "jupyterhub");
    const server = userServer(settings, "mig-1g-5gb", "kiri");
    const podLabels = (server.pod.metadata as unknown as { labels: Record<string, string> }).labels;
    assert.equal(podLabels["gpu-jupyterhub/profile"], "mig-1g-5gb");
    await client.create("/api/v1/namespaces/jupyterhub/pods", server.pod);
    const line = await waitFor(
      "kube_pod_labels of jupyter-kiri",
      async () =>
        samples(await metricsPage(), "kube_pod_labels", { namespace: "jupyterhub", pod: "jupyter-kiri" })[0],
      { timeoutMs: 60_000, intervalMs: 500, processes },
    );
    assert.match(line, /label_gpu_jupyterhub_profile="mig-1g-5gb"/);
    assert.deepEqual(line.match(/label_\w+/g), ["label_gpu_jupyterhub_profile"]);
    // Prometheus with the rendered rules joins it with the (stand-in) DCGM series: use per profile.
    const api = `http://127.0.0.1:${ports.prometheus}/api/v1`;
    const perProfile = await waitFor(
      "jupyterhub:profile_gpu_utilization:avg_percent in Prometheus",
      async () => {
        const expr = encodeURIComponent("jupyterhub:profile_gpu_utilization:avg_percent");
        const body = JSON.parse(await text(`${api}/query?query=${expr}`)) as {
          data: { result: { metric: Record<string, string>; value: [number, string] }[] };
        };
        return body.data.result.length > 0 && body.data.result;
      },
      { timeoutMs: 60_000, intervalMs: 1000, processes },
    );
    assert.deepEqual(
      perProfile.map((sample) => [sample.metric.profile, Number(sample.value[1])]),
      [["mig-1g-5gb", 25]],
    );
    await client.remove("/api/v1/namespaces/jupyterhub/pods/jupyter-kiri");
  });

  test("its account may list and watch what it watches, in the hub's and the backup's namespaces only (the API server's own answer)", () => {
    const { cluster } = stack();
    const canI = (verb: string, resource: string, namespace?: string) =>
      spawnSync(
        cluster.tools.kubectl,
        [
          "auth",
          "can-i",
          verb,
          resource,
          `--kubeconfig=${kubeconfig}`,
          ...(namespace ? [`--namespace=${namespace}`] : ["--all-namespaces"]),
        ],
        { encoding: "utf8" },
      ).stdout.trim();
    const rows = [
      ["list", "cronjobs.batch", BACKUP, "yes"],
      ["watch", "jobs.batch", BACKUP, "yes"],
      ["list", "pods", "jupyterhub", "yes"],
      ["list", "resourcequotas", "jupyterhub", "yes"],
      ["get", "pods", "jupyterhub", "no"],
      ["list", "secrets", BACKUP, "no"],
      ["list", "secrets", "jupyterhub", "no"],
      ["list", "pods", "jupyterhub-monitoring", "no"],
      ["list", "pods", undefined, "no"],
      ["list", "nodes", undefined, "no"],
      ["create", "jobs.batch", BACKUP, "no"],
    ] as const;
    assert.deepEqual(
      rows.map(([verb, resource, namespace]) => [verb, resource, namespace, canI(verb, resource, namespace)]),
      rows,
    );
  });

  test("a run that completes sets its CronJob's last success; a run stopped by its deadline is a failed Job of its CronJob, and Prometheus with the rendered rules fires JupyterHubBackupFailed for it", async (t) => {
    const { client } = stack().cluster;
    const cronJobs = await client.list<CronJob>(`/apis/batch/v1/namespaces/${BACKUP}/cronjobs`);
    const jobFrom = (name: string, change: (spec: JobSpec) => JobSpec = (spec) => spec) => {
      const cronJob = cronJobs.find((candidate) => candidate.metadata.name === name);
      assert.ok(cronJob, name);
      return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
          name: `${name}-manual`,
          namespace: BACKUP,
          labels: cronJob.spec.jobTemplate.metadata?.labels ?? {},
          ownerReferences: [
            { apiVersion: "batch/v1", kind: "CronJob", name, uid: cronJob.metadata.uid, controller: true },
          ],
        },
        spec: change(cronJob.spec.jobTemplate.spec),
      };
    };
    await client.create(`/apis/batch/v1/namespaces/${BACKUP}/jobs`, jobFrom("backup-home"));
    // A run that hangs: its pod is never placed, and the Job's deadline stops it.
    const hung = jobFrom("backup-database", (spec) => ({
      ...spec,
      activeDeadlineSeconds: 5,
      template: { ...spec.template, spec: { ...spec.template.spec, nodeSelector: { "no-such": "node" } } },
    }));
    await client.create(`/apis/batch/v1/namespaces/${BACKUP}/jobs`, hung);
    const failed = await waitFor(
      "Job backup-database-manual failed",
      async () => {
        const job = await client.get<Job>(`/apis/batch/v1/namespaces/${BACKUP}/jobs/backup-database-manual`);
        return job.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True");
      },
      { timeoutMs: 90_000, intervalMs: 500, processes },
    );
    t.diagnostic(`backup-database-manual: Failed, reason ${failed.reason}`);

    const page = await waitFor(
      "kube-state-metrics' series for both runs",
      async () => {
        const current = await metricsPage();
        const success = samples(current, "kube_cronjob_status_last_successful_time", {
          cronjob: "backup-home",
        });
        const failure = samples(current, "kube_job_status_failed", { job_name: "backup-database-manual" });
        return success.length === 1 && failure.some((line) => sampleValue(line) > 0) && current;
      },
      { timeoutMs: 90_000, intervalMs: 500, processes },
    );
    const lastSuccess = sampleValue(
      samples(page, "kube_cronjob_status_last_successful_time", { cronjob: "backup-home" })[0],
    );
    assert.ok(Math.abs(Date.now() / 1000 - lastSuccess) < 600, `last success ${lastSuccess}`);
    assert.equal(
      samples(page, "kube_job_owner", {
        job_name: "backup-database-manual",
        owner_kind: "CronJob",
        owner_name: "backup-database",
      }).length,
      1,
    );
    for (const line of [
      ...samples(page, "kube_job_status_failed", { job_name: "backup-database-manual" }),
      ...samples(page, "kube_job_status_failed", { job_name: "backup-home-manual" }),
    ]) {
      t.diagnostic(line);
    }
    assert.equal(
      samples(page, "kube_cronjob_status_last_successful_time", { cronjob: "backup-database" }).length,
      0,
    );

    const api = `http://127.0.0.1:${ports.prometheus}/api/v1`;
    const firing = await waitFor(
      "JupyterHubBackupFailed firing in Prometheus",
      async () => {
        const body = JSON.parse(await text(`${api}/alerts`)) as {
          data: { alerts: { labels: Record<string, string>; state: string }[] };
        };
        const alerts = body.data.alerts.filter(
          (alert) => alert.labels.alertname === "JupyterHubBackupFailed",
        );
        return alerts.some((alert) => alert.state === "firing") && alerts;
      },
      { timeoutMs: 60_000, intervalMs: 1000, processes },
    );
    assert.deepEqual(
      firing.map((alert) => [alert.labels.cronjob, alert.labels.job_name, alert.state]),
      [["backup-database", "backup-database-manual", "firing"]],
    );
    const query = async (expr: string) => {
      const body = JSON.parse(await text(`${api}/query?query=${encodeURIComponent(expr)}`)) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      return body.data.result;
    };
    const ages = await query("jupyterhub:backup_last_success:age_seconds");
    const age = (cronjob: string) =>
      Number(ages.find((sample) => sample.metric.cronjob === cronjob)?.value[1] ?? Number.NaN);
    t.diagnostic(`ages: ${ages.map((sample) => `${sample.metric.cronjob} ${sample.value[1]} s`).join(", ")}`);
    assert.equal(ages.length, 3);
    assert.ok(age("backup-home") < 600, `backup-home ${age("backup-home")}`);
    const periods = await query("jupyterhub:backup_schedule:period_seconds");
    t.diagnostic(`periods: ${periods.map((s) => `${s.metric.cronjob} ${s.value[1]} s`).join(", ")}`);
    assert.deepEqual(await query('ALERTS{alertname="JupyterHubBackupTooOld"}'), []);
  });
});
