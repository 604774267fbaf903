/**
 * Where user pods land: the user scheduler from the rendered config runs as a real kube-scheduler
 * (the built binary, the ServiceAccount's token, the rendered RBAC) and binds KubeSpawner's pods;
 * MIG, full-GPU and dual-GPU users go where the node affinity and the devices allow; and packing
 * (MostAllocated) keeps a node's two GPUs free for a dual-GPU user where the default scheduler's
 * spreading would not.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { HubSettings } from "../../components/jupyterhub/hub-settings";
import { NAMES } from "../../components/names";
import { migLayoutName } from "../../config/derived";
import { isRunning, readProcesses } from "../../sim/processes";
import { Spawner, type SpawnOutcome, type SpawnResult, verdictBeforeBinding } from "../../sim/spawn";
import { hubSettingsFrom, type ServerOptions, userServer } from "../../sim/user-pods";
import { waitFor } from "../../sim/wait";
import { SETUP_TIMEOUT, type SimulatedStack, simulatedStack, tearDown } from "./support";

const NAME = "e2e-placement";
let sim: SimulatedStack | undefined;
let spawner: Spawner | undefined;
let settings: HubSettings;
const stack = () => sim as SimulatedStack;
const users = () => spawner as Spawner;

before(
  async () => {
    sim = await simulatedStack(NAME);
    settings = await hubSettingsFrom(sim.cluster.client, sim.config.cluster.namespace);
    spawner = new Spawner(sim.cluster.client, sim.config.cluster.namespace, NAMES.quota);
  },
  { timeout: SETUP_TIMEOUT },
);

after(async () => {
  spawner?.stop();
  await tearDown(sim, NAME);
});

let counter = 0;
/** Starts users one at a time, in order (each placement sees the ones before it). */
async function spawnInOrder(slugs: readonly string[], options: ServerOptions = {}): Promise<SpawnResult[]> {
  const servers = slugs.map((slug) =>
    userServer(settings, slug, `p-${String(counter++).padStart(3, "0")}`, options),
  );
  return users().spawnAll(servers, 1);
}

const nodeOf = (result: SpawnResult) => (result.outcome.kind === "running" ? result.outcome.node : undefined);

describe("placement of user pods", () => {
  test("the user scheduler from the rendered config places KubeSpawner's pods", async (t) => {
    const { deploy, cluster, config } = stack();
    assert.ok(deploy.userScheduler, "the stack enables the user scheduler");
    assert.equal(deploy.userScheduler.serviceAccount, NAMES.userScheduler);
    const [result] = await spawnInOrder(["cpu-default"]);
    assert.equal(result?.outcome.kind, "running", JSON.stringify(result));
    const podName = `jupyter-${result?.user}`;
    const pod = users().pod(podName);
    assert.equal(pod?.spec.schedulerName, config.userScheduler.schedulerName);
    interface Event {
      reason: string;
      reportingController?: string;
      note?: string;
    }
    const events = await cluster.client.list<Event>(
      `/apis/events.k8s.io/v1/namespaces/${config.cluster.namespace}/events?fieldSelector=regarding.name=${podName}`,
    );
    const scheduled = events.find((event) => event.reason === "Scheduled");
    assert.equal(scheduled?.reportingController, config.userScheduler.schedulerName, JSON.stringify(events));
    const lease = await cluster.client.get<{ spec: { holderIdentity?: string } }>(
      `/apis/coordination.k8s.io/v1/namespaces/${config.userScheduler.namespace}/leases/${NAMES.userSchedulerLock}`,
    );
    assert.ok(lease.spec.holderIdentity);
    t.diagnostic(
      `${podName}: ${scheduled?.note}; lease ${NAMES.userSchedulerLock} held by ${lease.spec.holderIdentity}`,
    );
    await users().stopServers();
  });

  test("a verdict the scheduler gave before it saw the user's claim Bound does not count; its next attempt does", async (t) => {
    // What a loaded machine does by chance, on purpose: the scheduler meets the pod before the
    // claim's binding. The pod is created before its claim (the scheduler answers "not found"), and
    // the scheduler is paused while the claim is created and bound, so the spawner judges a Bound
    // claim next to a verdict about a missing one. The cluster's default scheduler runs without
    // leader election, so pausing it costs nothing else.
    const { cluster, config } = stack();
    const base = `/api/v1/namespaces/${config.cluster.namespace}`;
    const server = userServer(settings, "cpu-default", `p-${String(counter++).padStart(3, "0")}`, {
      schedulerName: "default-scheduler",
    });
    const podName = server.pod.metadata.name;
    await cluster.client.create(`${base}/pods`, server.pod);
    interface Conditions {
      status?: { conditions?: { type: string; status: string; message?: string }[] };
    }
    const first = await waitFor(
      `the scheduler's verdict on ${podName} without its claim`,
      async () =>
        (await cluster.client.get<Conditions>(`${base}/pods/${podName}`)).status?.conditions?.find(
          (c) => c.type === "PodScheduled" && c.status === "False",
        )?.message,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    assert.ok(verdictBeforeBinding(first), first);
    const scheduler = readProcesses(cluster.dir).find((record) => record.name === "kube-scheduler");
    assert.ok(scheduler && isRunning(scheduler), "the cluster's kube-scheduler runs");
    let outcome: Promise<SpawnOutcome> | undefined;
    process.kill(scheduler.pid, "SIGSTOP");
    try {
      await cluster.client.create(`${base}/persistentvolumeclaims`, server.claim);
      outcome = users().outcome(server);
      outcome.catch(() => undefined); // awaited below
      await waitFor(
        `the spawner to set ${podName}'s early verdict aside`,
        () => users().earlyVerdicts.some((verdict) => verdict.pod === podName),
        { timeoutMs: 60_000, intervalMs: 50 },
      );
    } finally {
      process.kill(scheduler.pid, "SIGCONT");
    }
    const result = await outcome;
    assert.equal(result.kind, "running", JSON.stringify(result));
    const setAside = users()
      .earlyVerdicts.filter((verdict) => verdict.pod === podName)
      .map((verdict) => `"${verdict.message}"`);
    t.diagnostic(`${podName}: set aside ${setAside.join(", ")}; then ${JSON.stringify(result)}`);
    await users().stopServers();
  });

  test("MIG users land only on the MIG node, full-GPU users never there, dual-GPU users on a node with two free GPUs", async (t) => {
    const migNodes = new Set(
      stack()
        .config.nodes.filter((node) => migLayoutName(node))
        .map((node) => node.name),
    );
    const slugs = [
      "mig-1g-5gb",
      "gpu-pytorch-single",
      "mig-2g-10gb",
      "gpu-pytorch-dual",
      "gpu-tensorflow-single",
      "mig-1g-5gb",
      "gpu-tensorflow-dual",
    ];
    const results = await spawnInOrder(slugs);
    t.diagnostic(results.map((r) => `${r.slug} → ${nodeOf(r) ?? r.outcome.kind}`).join(", "));
    for (const result of results)
      assert.equal(result.outcome.kind, "running", `${result.slug}: ${JSON.stringify(result.outcome)}`);
    const gpusOn = new Map<string, number>();
    for (const result of results) {
      const node = nodeOf(result) as string;
      if (result.slug.startsWith("mig-")) assert.ok(migNodes.has(node), `${result.slug} on ${node}`);
      else {
        assert.ok(!migNodes.has(node), `${result.slug} on the MIG node ${node}`);
        gpusOn.set(node, (gpusOn.get(node) ?? 0) + (result.slug.endsWith("-dual") ? 2 : 1));
      }
    }
    // A dual-GPU user's node holds no other GPU user: both of its GPUs were free.
    for (const dual of results.filter((result) => result.slug.endsWith("-dual")))
      assert.equal(gpusOn.get(nodeOf(dual) as string), 2, `${dual.user} shares ${nodeOf(dual)}`);
    await users().stopServers();
  });

  test("with one single-GPU user per full-GPU node, a dual-GPU user still fits with the user scheduler, not with the default scheduler", async (t) => {
    const { config } = stack();
    // Full-GPU users go to GPU nodes not in MIG mode. With two GPUs on each, one single-GPU user per
    // node leaves no node with two free GPUs if they are spread, and at least one if they are packed.
    const fullGpuNodes = config.nodes.filter((node) => node.gpu && !migLayoutName(node));
    const premise =
      fullGpuNodes.length >= 2 &&
      fullGpuNodes.every((node) => node.gpu?.count === 2 && !node.gpu.timeSlicing) &&
      config.quota.gpus >= fullGpuNodes.length + 2;
    if (!premise) {
      t.skip("needs two or more full-GPU nodes with two GPUs each, and quota for one per node plus two");
      return;
    }
    const singles = fullGpuNodes.length;
    const sequence = [...Array(singles).fill("gpu-pytorch-single"), "gpu-pytorch-dual"];
    const spread = await spawnInOrder(sequence, { schedulerName: "default-scheduler" });
    await users().stopServers();
    const packed = await spawnInOrder(sequence);
    await users().stopServers();
    const describe = (results: SpawnResult[]) =>
      results.map((r) => `${r.slug.replace("gpu-pytorch-", "")} → ${nodeOf(r) ?? r.outcome.kind}`).join(", ");
    t.diagnostic(`default-scheduler: ${describe(spread)}`);
    t.diagnostic(`${config.userScheduler.schedulerName}: ${describe(packed)}`);

    const singleNodes = (results: SpawnResult[]) => new Set(results.slice(0, singles).map(nodeOf));
    const dual = (results: SpawnResult[]) => results[singles];
    assert.equal(
      singleNodes(spread).size,
      singles,
      `the default scheduler spreads the ${singles} single-GPU users over ${singles} nodes`,
    );
    assert.equal(
      dual(spread)?.outcome.kind,
      "pending",
      "… so no node has two free GPUs left for the dual-GPU user",
    );
    const pending = dual(spread)?.outcome;
    assert.match(pending?.kind === "pending" ? pending.reason : "", /Insufficient nvidia\.com\/gpu/);
    assert.equal(
      singleNodes(packed).size,
      Math.ceil(singles / 2),
      `the user scheduler packs them onto ${Math.ceil(singles / 2)} nodes`,
    );
    assert.equal(
      dual(packed)?.outcome.kind,
      "running",
      "… and the dual-GPU user gets a free node's two GPUs",
    );
  });
});
