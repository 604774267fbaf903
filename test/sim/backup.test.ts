/**
 * The backup jobs on a simulated cluster (real kube-apiserver, controller-manager and scheduler,
 * kwok nodes): the rendered CronJobs, volumes, claims, Secrets and policies are accepted; the export
 * claims bind to their read-only volumes; a Job made from each CronJob (as `kubectl create job
 * --from=cronjob/...` does) gets its pod admitted by Pod Security "restricted", runs (kwok) and
 * completes, and the CronJob's status then names the last successful backup's time, which is what
 * the operator queries. A pod of the namespace that runs as root is refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../../sim/wait";
import { SETUP_TIMEOUT, type SimulatedStack, simulatedStack, tearDown } from "./support";

const NAME = "e2e-backup";
let sim: SimulatedStack | undefined;
const stack = () => sim as SimulatedStack;

interface CronJob {
  metadata: { name: string; namespace: string; uid: string };
  spec: { jobTemplate: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> } };
  status?: { lastSuccessfulTime?: string; lastScheduleTime?: string };
}
interface Job {
  status?: { succeeded?: number; conditions?: { type: string; status: string }[] };
}

before(
  async () => {
    sim = await simulatedStack(NAME);
  },
  { timeout: SETUP_TIMEOUT },
);

after(() => tearDown(sim, NAME));

describe("the backup jobs on a simulated cluster", () => {
  const namespace = () => stack().config.backup.namespace;
  const cronJobsPath = () => `/apis/batch/v1/namespaces/${namespace()}/cronjobs`;

  test("the API server accepts every backup object (strict schema, admission)", () => {
    const backup = stack().deploy.apply.objects.filter(
      (object) => object.namespace === namespace() || object.name.startsWith(`${namespace()}-`),
    );
    assert.deepEqual(
      backup.filter((object) => object.result === "failed"),
      [],
    );
    assert.deepEqual(
      backup
        .filter((object) => object.kind === "CronJob")
        .map((object) => object.name)
        .sort(),
      ["backup-database", "backup-datasets", "backup-home"],
    );
  });

  test("the export claims bind to their read-only volumes", async () => {
    const { client } = stack().cluster;
    await waitFor(
      "the backup claims Bound",
      async () => {
        const claims = await client.list<{ status?: { phase?: string } }>(
          `/api/v1/namespaces/${namespace()}/persistentvolumeclaims`,
        );
        return claims.length === 2 && claims.every((claim) => claim.status?.phase === "Bound");
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });

  test("a Job from each CronJob is admitted (restricted), completes, and the CronJob records the last success", async (t) => {
    const { client } = stack().cluster;
    const cronJobs = await client.list<CronJob>(cronJobsPath());
    assert.equal(cronJobs.length, 3);
    for (const cronJob of cronJobs) {
      const job = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: {
          name: `${cronJob.metadata.name}-manual`,
          namespace: namespace(),
          labels: cronJob.spec.jobTemplate.metadata?.labels ?? {},
          annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
          ownerReferences: [
            {
              apiVersion: "batch/v1",
              kind: "CronJob",
              name: cronJob.metadata.name,
              uid: cronJob.metadata.uid,
              controller: true,
            },
          ],
        },
        spec: cronJob.spec.jobTemplate.spec,
      };
      const created = await client.request("POST", `/apis/batch/v1/namespaces/${namespace()}/jobs`, job);
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    for (const cronJob of cronJobs) {
      const name = cronJob.metadata.name;
      await waitFor(
        `Job ${name}-manual complete`,
        async () => {
          const job = await client.get<Job>(`/apis/batch/v1/namespaces/${namespace()}/jobs/${name}-manual`);
          return job.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True");
        },
        { timeoutMs: 90_000, intervalMs: 500 },
      );
      const last = await waitFor(
        `CronJob ${name}'s lastSuccessfulTime`,
        async () =>
          (await client.get<CronJob>(`${cronJobsPath()}/${name}`)).status?.lastSuccessfulTime ?? undefined,
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      assert.ok(Date.now() - Date.parse(last) < 10 * 60_000, `${name}: ${last}`);
      t.diagnostic(`${name}: last successful backup ${last}`);
    }
  });

  test("Pod Security is enforced: a pod of the namespace running as root is refused", async () => {
    const { client } = stack().cluster;
    const [cronJob] = await client.list<CronJob>(cronJobsPath());
    assert.ok(cronJob);
    const template = (cronJob.spec.jobTemplate.spec as { template: { spec: Record<string, unknown> } })
      .template;
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "as-root", namespace: namespace() },
      spec: { ...template.spec, securityContext: { runAsUser: 0 } },
    };
    const refused = await client.request("POST", `/api/v1/namespaces/${namespace()}/pods`, pod);
    assert.equal(refused.status, 403);
    assert.match((refused.body as { message: string }).message, /violates PodSecurity "restricted:latest"/);
  });
});
