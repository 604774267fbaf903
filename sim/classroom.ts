/**
 * Classes of users on the simulated cluster, for comparing with the capacity planner:
 * `fillProfile` starts users of one profile until one does not start (what profileCapacity
 * predicts), `playScenario` starts groups of users one profile after the other (what runScenario
 * predicts). User names come from a pool: users who already own a home claim first, as real users
 * keep theirs between sessions, so the claim quota counts each user once.
 */
import type { HubSettings } from "../components/jupyterhub/hub-settings";
import type { Spawner, SpawnResult } from "./spawn";
import { type ServerOptions, userServer } from "./user-pods";

export interface ProfileRun {
  readonly slug: string;
  readonly started: number;
  /** The first user that did not start, and why (pending or refused). */
  readonly stoppedBy?: SpawnResult;
  readonly perNode: Readonly<Record<string, number>>;
  readonly results: readonly SpawnResult[];
}

/** `count` user names: owners of existing claims first (sorted), then new ones u-000, u-001, … */
export function userNames(spawner: Spawner, count: number): string[] {
  const owners = spawner.claimOwners().sort();
  const names = owners.slice(0, count);
  for (let index = 0; names.length < count; index++) {
    const name = `u-${String(index).padStart(3, "0")}`;
    if (!owners.includes(name)) names.push(name);
  }
  return names;
}

export function perNode(results: readonly SpawnResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results)
    if (result.outcome.kind === "running")
      counts[result.outcome.node] = (counts[result.outcome.node] ?? 0) + 1;
  return counts;
}

/** Starts users of `slug` in batches until one does not start; counts those that run. */
export async function fillProfile(
  spawner: Spawner,
  settings: HubSettings,
  slug: string,
  options: ServerOptions & { batch?: number; limit?: number } = {},
): Promise<ProfileRun> {
  const batch = options.batch ?? 16;
  const limit = options.limit ?? 1000;
  const results: SpawnResult[] = [];
  while (results.length < limit) {
    const names = userNames(spawner, results.length + batch).slice(results.length);
    const round = await spawner.spawnAll(
      names.map((user) => userServer(settings, slug, user, options)),
      batch,
    );
    results.push(...round);
    if (round.some((result) => result.outcome.kind !== "running")) break;
  }
  const stoppedBy = results.find((result) => result.outcome.kind !== "running");
  return {
    slug,
    started: results.filter((result) => result.outcome.kind === "running").length,
    ...(stoppedBy ? { stoppedBy } : {}),
    perNode: perNode(results),
    results,
  };
}

export interface ScenarioGroup {
  readonly slug: string;
  readonly count: number;
}

export interface GroupOutcome {
  readonly slug: string;
  readonly requested: number;
  readonly started: number;
  readonly pending: number;
  readonly refused: number;
  /** Why the first user of the group that did not start waits. */
  readonly reason?: string;
}

/** Starts each group's users (a group at a time, in the order given); nobody is stopped in between. */
export async function playScenario(
  spawner: Spawner,
  settings: HubSettings,
  groups: readonly ScenarioGroup[],
  options: ServerOptions = {},
): Promise<{ groups: GroupOutcome[]; results: SpawnResult[] }> {
  const total = groups.reduce((sum, group) => sum + group.count, 0);
  const names = userNames(spawner, total);
  const outcomes: GroupOutcome[] = [];
  const all: SpawnResult[] = [];
  let next = 0;
  for (const group of groups) {
    const users = names.slice(next, next + group.count);
    next += group.count;
    const results = await spawner.spawnAll(
      users.map((user) => userServer(settings, group.slug, user, options)),
    );
    all.push(...results);
    const count = (kind: string) => results.filter((result) => result.outcome.kind === kind).length;
    const waiting = results.find((result) => result.outcome.kind !== "running");
    outcomes.push({
      slug: group.slug,
      requested: group.count,
      started: count("running"),
      pending: count("pending"),
      refused: count("refused"),
      ...(waiting && waiting.outcome.kind !== "running" ? { reason: waiting.outcome.reason } : {}),
    });
  }
  return { groups: outcomes, results: all };
}
