/**
 * The capacity planner against the real thing: user pods built from the rendered hub settings as
 * KubeSpawner builds them, placed by the user scheduler (a kube-scheduler process running the
 * rendered KubeSchedulerConfiguration) on kwok nodes shaped like the inventory, under the rendered
 * ResourceQuota, next to the platform's own pods.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { namespaceOverhead } from "../../capacity/overhead";
import { type Overhead, profileCapacities, runScenario, scarcityOrder } from "../../capacity/plan";
import { table } from "../../cli/summary";
import type { HubSettings } from "../../components/jupyterhub/hub-settings";
import { NAMES } from "../../components/names";
import type { Profile } from "../../config/schema/profile";
import { fillProfile, playScenario } from "../../sim/classroom";
import { Spawner } from "../../sim/spawn";
import { hubSettingsFrom } from "../../sim/user-pods";
import { SETUP_TIMEOUT, type SimulatedStack, simulatedStack, tearDown } from "./support";

const NAME = "e2e-capacity";
/** The seed's class of 150 (docs/capacity.md). */
const SEED_SCENARIO = {
  "cpu-default": 100,
  "mig-1g-5gb": 30,
  "gpu-pytorch-single": 15,
  "gpu-pytorch-dual": 5,
};

let sim: SimulatedStack | undefined;
let spawner: Spawner | undefined;
let settings: HubSettings;
let overhead: Overhead;
const stack = () => sim as SimulatedStack;
const users = () => spawner as Spawner;

before(
  async () => {
    sim = await simulatedStack(NAME);
    settings = await hubSettingsFrom(sim.cluster.client, sim.config.cluster.namespace);
    spawner = new Spawner(sim.cluster.client, sim.config.cluster.namespace, NAMES.quota);
    overhead = namespaceOverhead(sim.config, sim.objects);
  },
  { timeout: SETUP_TIMEOUT },
);

after(async () => {
  spawner?.stop();
  await tearDown(sim, NAME);
});

const diagnostics = (t: { diagnostic: (message: string) => void }, text: string) => {
  for (const line of text.split("\n")) t.diagnostic(line);
};

/** Verdicts the scheduler gave before it saw a claim's binding: set aside, its next attempt counted. */
const earlyVerdicts = (t: { diagnostic: (message: string) => void }) => {
  const early = users().earlyVerdicts;
  t.diagnostic(
    `verdicts before the claim's binding, set aside so far: ${early.length}${early.length ? ` (first: ${early[0]?.pod}: ${early[0]?.message})` : ""}`,
  );
};

describe("capacity on the simulated cluster", () => {
  test("each profile alone: as many users start as profileCapacities() predicts, stopped by the same resource", async (t) => {
    const rows: string[][] = [["profile", "planner", "cluster", "planner's limit", "first user left out"]];
    const mismatches: string[] = [];
    for (const predicted of profileCapacities(stack().config, overhead)) {
      const run = await fillProfile(users(), settings, predicted.slug);
      const why =
        run.stoppedBy && run.stoppedBy.outcome.kind !== "running" ? run.stoppedBy.outcome : undefined;
      rows.push([
        predicted.slug,
        String(predicted.users),
        String(run.started),
        predicted.limit,
        why ? `${why.kind}: ${why.reason.slice(0, 110)}` : "",
      ]);
      // The reason names the planner's limiting resource: "Insufficient nvidia.com/gpu" (pending)
      // or "exceeded quota: ... requests.nvidia.com/gpu" / "persistentvolumeclaims" (refused).
      const resource = predicted.limit.replace(/^quota: /, "");
      if (run.started !== predicted.users || !why?.reason.includes(resource))
        mismatches.push(
          `${predicted.slug}: planner ${predicted.users} (${predicted.limit}), cluster ${run.started} (${why?.reason})`,
        );
      await users().stopServers();
    }
    diagnostics(t, table(rows));
    earlyVerdicts(t);
    assert.deepEqual(mismatches, []);
  });

  test("the seed's class in the planner's scarcest-first order starts and leaves waiting what runScenario() says", async (t) => {
    const { config } = stack();
    const predicted = runScenario(config, SEED_SCENARIO, overhead, "scarcest");
    const order = Object.keys(SEED_SCENARIO)
      .map((slug) => config.profiles.find((profile) => profile.slug === slug) as Profile)
      .sort(scarcityOrder)
      .map((profile) => profile.slug as keyof typeof SEED_SCENARIO);
    const played = await playScenario(
      users(),
      settings,
      order.map((slug) => ({ slug, count: SEED_SCENARIO[slug] })),
    );
    const rows = [
      [
        "profile",
        "requested",
        "planner started/waiting",
        "cluster started/pending/refused",
        "why the first one waits (cluster)",
      ],
    ];
    for (const group of played.groups) {
      const row = predicted.rows.find((candidate) => candidate.slug === group.slug);
      rows.push([
        group.slug,
        String(group.requested),
        `${row?.started}/${row?.waiting}`,
        `${group.started}/${group.pending}/${group.refused}`,
        (group.reason ?? "").slice(0, 100),
      ]);
    }
    diagnostics(t, table(rows));
    const placed: Record<string, number> = {};
    for (const result of played.results)
      if (result.outcome.kind === "running")
        placed[result.outcome.node] = (placed[result.outcome.node] ?? 0) + 1;
    t.diagnostic(
      `users per node: cluster ${JSON.stringify(placed)}; planner ${JSON.stringify(predicted.placement)}`,
    );
    earlyVerdicts(t);
    assert.deepEqual(
      played.groups.map((group) => ({
        slug: group.slug,
        started: group.started,
        waiting: group.pending + group.refused,
      })),
      order.map((slug) => {
        const row = predicted.rows.find((candidate) => candidate.slug === slug);
        return { slug, started: row?.started, waiting: row?.waiting };
      }),
    );
    await users().stopServers();
  });
});
