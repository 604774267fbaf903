/**
 * npm run bench:spawn-page -- [--users 150] [--rounds 5] [--servers 150] [--json]
 *
 * What the spawn page's live capacity (hub.capacity) costs the hub at class start: the prod stack on
 * the simulated cluster with the live platform (real hub, proxy, database, identity provider), the
 * cluster holding `--servers` user pods built as KubeSpawner builds them (so the hub's cache holds a
 * class's pods), `--users` students signed in, and every student loading /hub/spawn at once,
 * `--rounds` times; once with hub.capacity off and once on (each on a fresh cluster), then the cards'
 * own API. Prints p50/p95/max per run and what capacity adds to the p95; writes
 * .work/bench/spawn-page.json. The page is asked through the proxy, as a browser does.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fail, parseCommandLine, runCommand } from "../cli/command";
import { NAMES } from "../components/names";
import { defaultProfile } from "../config/derived";
import type { PlatformConfig } from "../config/schema/platform";
import { classAccounts } from "../sim/class/platform";
import { UsageSampler } from "../sim/class/process-usage";
import { percentile } from "../sim/class/statistics";
import { fillProfile } from "../sim/classroom";
import { PROJECT_ROOT, startCluster, stopCluster } from "../sim/cluster";
import { deployStack } from "../sim/deploy";
import { HttpSession } from "../sim/http-session";
import { startLiveServices } from "../sim/live/services";
import { Spawner } from "../sim/spawn";
import { simConfig } from "../sim/stack";
import { hubSettingsFrom } from "../sim/user-pods";

const USAGE = "usage: npm run bench:spawn-page -- [--users N] [--rounds N] [--servers N] [--json]";
const REPORT = path.join(PROJECT_ROOT, ".work", "bench", "spawn-page.json");
const SIGN_IN_AT_ONCE = 20;

interface Timings {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly max: number | null;
  readonly errors: number;
}

interface RunReport {
  readonly capacity: boolean;
  readonly servers: number;
  readonly spawnPage: Timings;
  readonly capacityApi?: Timings;
  readonly hubCpuSeconds: number;
}

const round1 = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);

function timings(samples: readonly number[], errors: number): Timings {
  return {
    count: samples.length,
    p50: round1(percentile(samples, 50)),
    p95: round1(percentile(samples, 95)),
    max: round1(samples.length ? Math.max(...samples) : null),
    errors,
  };
}

/** Every session asks `url` at once, `rounds` times; the time of each 200 answer, in ms. */
async function storm(sessions: readonly HttpSession[], url: string, rounds: number): Promise<Timings> {
  const samples: number[] = [];
  let errors = 0;
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      sessions.map(async (session) => {
        const started = performance.now();
        const reply = await session.request("GET", url).catch(() => undefined);
        if (reply?.status === 200) samples.push(performance.now() - started);
        else errors++;
      }),
    );
  }
  return timings(samples, errors);
}

async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size)
    results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}

async function run(
  base: PlatformConfig,
  capacity: boolean,
  options: { users: number; rounds: number; servers: number },
  log: (line: string) => void,
): Promise<RunReport> {
  const config: PlatformConfig = {
    ...base,
    hub: { ...base.hub, capacity: { ...base.hub.capacity, enabled: capacity } },
  };
  const name = `bench-spawn-page-${capacity ? "on" : "off"}`;
  const cluster = await startCluster({ name, config, nodes: config.nodes, log });
  try {
    await deployStack(cluster, config);
    const namespace = config.cluster.namespace;
    const cpu = defaultProfile(config);
    const group = cpu.groups[0] ?? config.auth.groups.allowed[0];
    if (!group) throw new Error(`no group may use ${cpu.slug}`);
    const spawner = new Spawner(cluster.client, namespace, NAMES.quota);
    let servers = 0;
    try {
      const settings = await hubSettingsFrom(cluster.client, namespace);
      const filled = await fillProfile(spawner, settings, cpu.slug, {
        limit: options.servers,
        batch: Math.min(16, Math.max(1, options.servers)),
      });
      servers = filled.started;
      log(`${servers} ${cpu.slug} user pods running in the cluster`);
    } finally {
      spawner.stop();
    }
    const accounts = classAccounts(options.users, group);
    const services = await startLiveServices(cluster, config, accounts);
    try {
      const publicUrl = services.live.publicUrl;
      const sessions = await inBatches(accounts, SIGN_IN_AT_ONCE, async (account) => {
        const session = new HttpSession(120_000);
        await session.signIn(publicUrl, account.username, account.password);
        return session;
      });
      log(`${sessions.length} students signed in; each loads the spawn page once to warm up`);
      await storm(sessions, `${publicUrl}/hub/spawn`, 1);
      const sampler = new UsageSampler(() => services.live.hub.record().pid).start();
      const spawnPage = await storm(sessions, `${publicUrl}/hub/spawn`, options.rounds);
      const capacityApi = capacity
        ? await storm(sessions, `${publicUrl}/hub/api/capacity`, options.rounds)
        : undefined;
      const usage = sampler.stop();
      log(`capacity ${capacity ? "on" : "off"}: /hub/spawn p50 ${spawnPage.p50} ms, p95 ${spawnPage.p95} ms`);
      return {
        capacity,
        servers,
        spawnPage,
        ...(capacityApi ? { capacityApi } : {}),
        hubCpuSeconds: round1(usage.cpuSeconds) ?? 0,
      };
    } finally {
      await services.stop();
    }
  } finally {
    cluster.client.close();
    await stopCluster(name, log);
  }
}

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    users: { type: "string", default: "150" },
    rounds: { type: "string", default: "5" },
    servers: { type: "string", default: "150" },
    json: { type: "boolean", default: false },
  });
  if (values.help) return void console.log(USAGE);
  const numbers = {
    users: Number(values.users),
    rounds: Number(values.rounds),
    servers: Number(values.servers),
  };
  for (const [flag, value] of Object.entries(numbers))
    if (!Number.isInteger(value) || value < (flag === "servers" ? 0 : 1))
      fail(`--${flag} needs a whole number${flag === "servers" ? "" : " above 0"}\n${USAGE}`, 2);
  const json = values.json as boolean;
  const log = (line: string) =>
    (json ? process.stderr : process.stdout).write(`[bench:spawn-page] ${line}\n`);
  const config = simConfig("prod");
  const off = await run(config, false, numbers, log);
  const on = await run(config, true, numbers, log);
  const added =
    on.spawnPage.p95 !== null && off.spawnPage.p95 !== null
      ? round1(on.spawnPage.p95 - off.spawnPage.p95)
      : null;
  const report = {
    users: numbers.users,
    rounds: numbers.rounds,
    servers: numbers.servers,
    off,
    on,
    addedP95Ms: added,
    targetMs: 50,
  };
  mkdirSync(path.dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
  if (json) return void console.log(JSON.stringify(report, null, 2));
  const line = (label: string, t: Timings) =>
    `${label.padEnd(34)} p50 ${String(t.p50).padStart(7)} ms  p95 ${String(t.p95).padStart(7)} ms  max ${String(t.max).padStart(7)} ms  (${t.count} answers, ${t.errors} errors)`;
  console.log(
    `${numbers.users} students loading the spawn page at once, ${numbers.rounds} rounds; ${numbers.servers} user pods in the cluster`,
  );
  console.log(line("/hub/spawn, capacity off", off.spawnPage));
  console.log(line("/hub/spawn, capacity on", on.spawnPage));
  if (on.capacityApi) console.log(line("/hub/api/capacity (the refresh)", on.capacityApi));
  console.log(`hub CPU over the storms: off ${off.hubCpuSeconds} s, on ${on.hubCpuSeconds} s`);
  console.log(
    `capacity adds ${added} ms to the spawn page's p95 (target: under 50 ms) ${added !== null && added < 50 ? "ok" : "OVER TARGET"}`,
  );
  console.log(`report written to ${REPORT}`);
});
