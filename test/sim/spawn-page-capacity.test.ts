/**
 * Issue 18 on the live platform (sim/live/: the real hub with the rendered settings, the real user
 * scheduler, real notebook servers): the spawn page's free places per profile equal the free-places
 * rule applied to the cluster's objects (capacity/live-state.ts + capacity/places.ts, the rule behind
 * `npm run capacity`) and, before anyone starts, the planner's own figures; as GPU users start and
 * stop they follow. A start of a full profile is refused within a second, naming what is free, and
 * no pod is made; the fair line hands a freed place to the first in line. Screenshots of a full and a
 * free card go to test/artifacts/capacity-*.png.
 *
 * The stack is prod's with the line turned on (it is off by default) and a short offer window.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { clusterStateOf, type NodeObject, type PodObject, type QuotaObject } from "../../capacity/live-state";
import { namespaceOverhead } from "../../capacity/overhead";
import { freePlaces } from "../../capacity/places";
import { placeRequest, profileCapacity } from "../../capacity/plan";
import type { PlatformConfig } from "../../config/schema/platform";
import type { Profile } from "../../config/schema/profile";
import { HttpSession } from "../../sim/http-session";
import { requestServer, startServer, waitForServer } from "../../sim/hub-user";
import type { TestAccount } from "../../sim/identity-provider";
import type { LiveServices } from "../../sim/live/services";
import { waitFor } from "../../sim/wait";
import { ARTIFACTS, launchChromium, requireChromium } from "../support/chromium";
import {
  SETUP_TIMEOUT,
  type SimulatedStack,
  simulatedStack,
  startLiveWithNotebooks,
  tearDownLive,
} from "./support";

const NAME = "e2e-spawn-capacity";
const OFFER_WINDOW = 120;

interface Card {
  slug: string;
  free: number;
  total: number;
  full: boolean;
  limit: string;
  why_full: string | null;
  frees_by?: string | null;
  queue: { open: boolean; waiting: number; position: number | null; offer_until: string | null };
}

function withLine(config: PlatformConfig): PlatformConfig {
  return {
    ...config,
    hub: {
      ...config.hub,
      capacity: { ...config.hub.capacity, queue: { enabled: true, offerWindow: OFFER_WINDOW } },
    },
  };
}

let sim: SimulatedStack | undefined;
let services: LiveServices | undefined;
const accounts: TestAccount[] = [];
const sessions = new Map<string, HttpSession>();
const up = () => {
  assert.ok(sim && services, "the platform did not start");
  return { sim, services };
};

/** The first full-GPU profile (not the custom image): the one the tests fill. */
function fullGpuProfile(config: PlatformConfig): Profile {
  const found = [...config.profiles]
    .sort((a, b) => a.order - b.order)
    .find((profile) => profile.gpu?.count && !profile.gpu.migSlice && !profile.customImage);
  assert.ok(found, "the stack has a full-GPU profile");
  return found;
}

async function session(name: string): Promise<HttpSession> {
  const existing = sessions.get(name);
  if (existing) return existing;
  const account = accounts.find((candidate) => candidate.username === name);
  assert.ok(account, `no account ${name}`);
  const made = new HttpSession(60_000);
  await made.signIn(up().services.live.publicUrl, name, account.password);
  sessions.set(name, made);
  return made;
}

async function cards(name: string): Promise<Card[]> {
  const reply = await (await session(name)).api("GET", `${up().services.live.publicUrl}/hub/api/capacity`);
  assert.equal(reply.status, 200, reply.body);
  const body = JSON.parse(reply.body) as { available: boolean; profiles: Card[] };
  assert.ok(body.available, "the hub could read the cluster");
  return body.profiles;
}

/** What the rule says for `user` on the cluster as its objects are now. */
async function expectedFree(user: string): Promise<Record<string, number>> {
  const { sim } = up();
  const namespace = sim.config.cluster.namespace;
  const client = sim.cluster.client;
  const [nodes, pods, quotas, claims] = await Promise.all([
    client.list<NodeObject>("/api/v1/nodes"),
    client.list<PodObject>(`/api/v1/namespaces/${namespace}/pods`),
    client.list<QuotaObject>(`/api/v1/namespaces/${namespace}/resourcequotas`),
    client.list<{ metadata: { annotations?: Record<string, string> } }>(
      `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
    ),
  ]);
  const hasClaim = claims.some((claim) => claim.metadata.annotations?.["hub.jupyter.org/username"] === user);
  const state = clusterStateOf(nodes, pods, quotas);
  return Object.fromEntries(
    sim.config.profiles.map((profile) => [
      profile.slug,
      freePlaces(state, { ...placeRequest(profile), newClaim: !hasClaim }).places,
    ]),
  );
}

/** The hub's figures equal the rule's on the cluster's objects once no pod is pending. */
async function assertFiguresFollowTheCluster(user: string): Promise<Card[]> {
  const { sim } = up();
  const namespace = sim.config.cluster.namespace;
  await waitFor(
    "every user pod bound to a node",
    async () => {
      const pods = await sim.cluster.client.list<PodObject>(`/api/v1/namespaces/${namespace}/pods`);
      return pods.every((pod) => pod.spec.nodeName);
    },
    { timeoutMs: 60_000 },
  );
  let last: { shown: Record<string, number>; expected: Record<string, number> } | undefined;
  // The hub's watch sees a change a moment after the API server has it: compare until they agree.
  const agreed = await waitFor(
    `${user}'s cards agreeing with the rule`,
    async () => {
      const shown = await cards(user);
      const expected = await expectedFree(user);
      const figures = Object.fromEntries(shown.map((card) => [card.slug, card.free]));
      const visible = Object.fromEntries(shown.map((card) => [card.slug, expected[card.slug] as number]));
      last = { shown: figures, expected: visible };
      return JSON.stringify(figures) === JSON.stringify(visible) && shown;
    },
    { timeoutMs: 30_000 },
  ).catch((error: Error) => {
    assert.fail(
      `${error.message}: the hub shows ${JSON.stringify(last?.shown)}, the rule ${JSON.stringify(last?.expected)}`,
    );
  });
  return agreed;
}

before(
  async () => {
    sim = await simulatedStack(NAME, withLine);
    const gpuGroup = sim.config.auth.groups.gpu[0];
    assert.ok(gpuGroup, "the stack has a GPU group");
    const gpuSeats = profileCapacity(sim.config, fullGpuProfile(sim.config)).users;
    const password = () => randomBytes(12).toString("base64url");
    for (const username of [
      ...Array.from({ length: gpuSeats }, (_, i) => `gpu${i + 1}`),
      "hpc",
      "first",
      "second",
    ])
      accounts.push({ username, password: password(), groups: [gpuGroup] });
    services = await startLiveWithNotebooks(sim, accounts);
  },
  { timeout: SETUP_TIMEOUT },
);

after(() => tearDownLive(services, sim, NAME));

describe("the spawn page knows the cluster", { timeout: 15 * 60_000 }, () => {
  test("before anyone starts, every card's places are the planner's figures", async () => {
    const { sim } = up();
    const overhead = namespaceOverhead(sim.config, sim.objects);
    const shown = await assertFiguresFollowTheCluster("hpc");
    for (const card of shown) {
      const profile = sim.config.profiles.find((candidate) => candidate.slug === card.slug);
      assert.ok(profile);
      const planned = profileCapacity(sim.config, profile, overhead);
      assert.equal(card.total, planned.users, `${card.slug}: total = npm run capacity's users at once`);
      assert.equal(card.free, planned.users, `${card.slug}: all free`);
      assert.equal(card.limit, planned.limit, `${card.slug}: the planner's limit`);
    }
  });

  test("as GPU users start and stop, the figures follow the cluster; a full profile says why", async (t) => {
    const { sim, services } = up();
    const gpu = fullGpuProfile(sim.config);
    const seats = accounts.filter((account) => /^gpu\d+$/.test(account.username));
    const started = Date.now();
    await Promise.all(
      seats.map(async ({ username }) =>
        startServer(await session(username), services.live.publicUrl, username, gpu.slug, {
          timeoutMs: 300_000,
        }),
      ),
    );
    t.diagnostic(
      `${seats.length} ${gpu.slug} servers ready in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    const full = (await assertFiguresFollowTheCluster("hpc")).find((card) => card.slug === gpu.slug);
    assert.ok(full?.full && full.free === 0, `${gpu.slug} is full`);
    assert.match(full.why_full ?? "", /GPUs are in use/);
    assert.ok(full.frees_by, "a place frees by the maximum runtime at the latest");

    const leaving = seats[0]?.username as string;
    const stop = await (await session(leaving)).api(
      "DELETE",
      `${services.live.publicUrl}/hub/api/users/${leaving}/server`,
    );
    assert.ok([202, 204].includes(stop.status), `${stop.status} ${stop.body}`);
    await waitForServer(await session(leaving), services.live.publicUrl, leaving, ["none"], {
      timeoutMs: 120_000,
    });
    await waitFor("its pod gone", async () => !(await podExists(`jupyter-${leaving}`)), {
      timeoutMs: 60_000,
    });
    const after = (await assertFiguresFollowTheCluster("hpc")).find((card) => card.slug === gpu.slug);
    assert.equal(after?.free, 1, "one place free again");
    const back = await requestServer(await session(leaving), services.live.publicUrl, leaving, gpu.slug);
    assert.ok(
      [201, 202].includes(back.status),
      `${leaving} takes the place again: ${back.status} ${back.body}`,
    );
    await waitForServer(await session(leaving), services.live.publicUrl, leaving, ["ready"], {
      timeoutMs: 180_000,
    });
  });

  test("a start on a full profile is refused within a second, naming what is free, and makes no pod", async (t) => {
    const { sim, services } = up();
    const gpu = fullGpuProfile(sim.config);
    const hpc = await session("hpc");
    const asked = performance.now();
    const reply = await requestServer(hpc, services.live.publicUrl, "hpc", gpu.slug);
    const took = performance.now() - asked;
    t.diagnostic(`refused in ${took.toFixed(0)} ms: ${reply.body}`);
    assert.equal(reply.status, 409, reply.body);
    assert.ok(took < 1000, `answered in ${took.toFixed(0)} ms`);
    const message = (JSON.parse(reply.body) as { message: string }).message;
    assert.match(message, new RegExp(`^${gpu.displayName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is full: `));
    const freeOthers = (await cards("hpc")).filter((card) => !card.full && card.slug !== gpu.slug);
    assert.ok(freeOthers.length > 0, "something else is free");
    for (const card of freeOthers) {
      const name = sim.config.profiles.find((profile) => profile.slug === card.slug)?.displayName;
      assert.ok(
        message.includes(`${name} has ${card.free} free place`),
        `the message names ${name}: ${message}`,
      );
    }
    assert.equal(await podExists("jupyter-hpc"), false, "no pod was made for the refused start");
    await waitForServer(hpc, services.live.publicUrl, "hpc", ["none"], { timeoutMs: 30_000 });
  });

  test("the line hands a freed place to the first in line, and no one jumps it", async () => {
    const { sim, services } = up();
    const gpu = fullGpuProfile(sim.config);
    const base = services.live.publicUrl;
    for (const user of ["first", "second"]) {
      const joined = await (await session(user)).api("POST", `${base}/hub/api/capacity/queue/${gpu.slug}`);
      assert.equal(joined.status, 200, joined.body);
    }
    const second = (await cards("second")).find((card) => card.slug === gpu.slug);
    assert.equal(second?.queue.position, 2);

    const leaving = "gpu2";
    await (await session(leaving)).api("DELETE", `${base}/hub/api/users/${leaving}/server`);
    const offered = await waitFor(
      "an offer to the first in line",
      async () => (await cards("first")).find((card) => card.slug === gpu.slug)?.queue.offer_until ?? false,
      { timeoutMs: 120_000 },
    );
    assert.ok(Date.parse(offered) > Date.now(), "the offer is still open");
    const jumped = await requestServer(await session("hpc"), base, "hpc", gpu.slug);
    assert.equal(jumped.status, 409, "a user not in line cannot take the offered place");
    const waiting = await requestServer(await session("second"), base, "second", gpu.slug);
    assert.equal(waiting.status, 409);
    assert.match(JSON.parse(waiting.body).message, /You are number 2 in line/);
    const taken = await requestServer(await session("first"), base, "first", gpu.slug);
    assert.ok([201, 202].includes(taken.status), `${taken.status} ${taken.body}`);
    await waitForServer(await session("first"), base, "first", ["ready"], { timeoutMs: 180_000 });
    const lines = await (await session("hpc")).api("GET", `${base}/hub/api/capacity/queues`);
    assert.equal(lines.status, 403, "only admins see the lines");
  });

  test("screenshots: a full card and a free card on the spawn page", async () => {
    requireChromium();
    const { sim, services } = up();
    mkdirSync(ARTIFACTS, { recursive: true });
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      // The signed-in session's cookies, so the browser skips the provider's form (the journey test covers it).
      const hubPages = new URL("/hub/", services.live.publicUrl);
      const cookies = (await session("hpc")).cookies.header(hubPages) ?? "";
      await context.addCookies(
        cookies.split("; ").map((pair) => {
          const at = pair.indexOf("=");
          return { name: pair.slice(0, at), value: pair.slice(at + 1), url: hubPages.href };
        }),
      );
      const page = await context.newPage();
      await page.goto(`${services.live.publicUrl}/hub/spawn`);
      const gpu = fullGpuProfile(sim.config);
      const fullCard = page.locator(`.cps-card[data-profile-slug="${gpu.slug}"]`);
      await fullCard.locator(".cps-full-note").waitFor({ timeout: 30_000 });
      assert.match((await fullCard.locator(".cps-places").textContent()) ?? "", /^Full: .*GPUs are in use/);
      const freeCard = page
        .locator(".cps-card:not(.cps-full)")
        .filter({ has: page.locator(".cps-free") })
        .first();
      assert.match((await freeCard.locator(".cps-places").textContent()) ?? "", /^\d+ of \d+ free/);
      await fullCard.screenshot({ path: path.join(ARTIFACTS, "capacity-full-card.png") });
      await freeCard.screenshot({ path: path.join(ARTIFACTS, "capacity-free-card.png") });
      await page.screenshot({ path: path.join(ARTIFACTS, "capacity-spawn-page.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

async function podExists(name: string): Promise<boolean> {
  const { sim } = up();
  const found = await sim.cluster.client.find(
    `/api/v1/namespaces/${sim.config.cluster.namespace}/pods/${name}`,
  );
  return found !== undefined;
}
