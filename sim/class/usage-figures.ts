/**
 * What usage accounting costs a class (`npm run class -- --usage`): the writes to the schema `usage`
 * (one per start and per stop; the audit lines `spawned` and `stopped` are written with them, so their
 * times give the writes per minute), the scans of usage.sessions (PostgreSQL's own counters), and the
 * time the pre-spawn budget check takes in the hub (its log line `usage: budget check ... ms`); with
 * the hub restart, what became of the runs begun before it, and how long each hub start's recovery took.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { libpqEnvironment } from "../../usage/report";
import { percentile } from "./statistics";

export interface ClassUsageFigures {
  /** Rows of usage.sessions: runs opened, and of those closed. */
  readonly runs: number;
  readonly closed: number;
  /** PostgreSQL's counters for usage.sessions: rows inserted and updated, and scans (the month's reads, and the lookups inside each start and stop). */
  readonly inserted: number;
  readonly updated: number;
  readonly scans: number;
  /** Writes (audit lines `spawned` and `stopped`) per minute: the busiest minute and the mean over the minutes with any. */
  readonly writesPerMinute: { readonly peak: number; readonly mean: number; readonly minutes: number };
  /** The budget check's time in the hub, ms, per spawn request that passed it. */
  readonly budgetCheckMs: {
    readonly count: number;
    readonly p50: number | null;
    readonly p95: number | null;
    readonly max: number | null;
  };
  /** Each hub start's recovery (its log line `usage: recovered N runs in X ms`), in order. */
  readonly recoveries: readonly { readonly runs: number; readonly ms: number }[];
  /** With the hub restart: the runs begun before it and what became of them. */
  readonly acrossRestart?: AcrossRestart;
}

export interface AcrossRestart {
  /** Runs begun before the restart (also those of spawns still pending then, opened by the recovery). */
  readonly before: number;
  /** Of those, still open when the class ended: one unbroken run each. */
  readonly keptOpen: number;
  /** Of those, closed, by stop cause (e.g. a spawn the restart dropped: the hub stopped it). */
  readonly closed: Readonly<Record<string, number>>;
  /** Servers with a closed run from before the restart and a later one, and the longest gap between the two. */
  readonly reopened: number;
  readonly maxGapSeconds: number | null;
}

/** The writes and budget checks in a hub log (the audit lines and the check's timing line). */
export function usageFromHubLog(log: string) {
  const minutes = new Map<string, number>();
  const checks: number[] = [];
  const recoveries: { runs: number; ms: number }[] = [];
  for (const line of log.split("\n")) {
    if (line.startsWith("audit: ")) {
      try {
        const event = JSON.parse(line.slice("audit: ".length)) as { event?: string; time?: string };
        if ((event.event === "spawned" || event.event === "stopped") && event.time) {
          const minute = event.time.slice(0, 16);
          minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
        }
      } catch {
        // a line cut by the hub's stop: not counted
      }
      continue;
    }
    const check = /usage: budget check for \S+ on \S+: ([\d.]+) ms/.exec(line);
    if (check) checks.push(Number(check[1]));
    const recovery = /usage: recovered (\d+) runs in (\d+) ms/.exec(line);
    if (recovery) recoveries.push({ runs: Number(recovery[1]), ms: Number(recovery[2]) });
  }
  const counts = [...minutes.values()];
  const total = counts.reduce((sum, count) => sum + count, 0);
  return {
    writesPerMinute: {
      peak: counts.length ? Math.max(...counts) : 0,
      mean: counts.length ? Math.round((total / counts.length) * 10) / 10 : 0,
      minutes: counts.length,
    },
    budgetCheckMs: {
      count: checks.length,
      p50: percentile(checks, 50),
      p95: percentile(checks, 95),
      max: checks.length ? Math.max(...checks) : null,
    },
    recoveries,
  };
}

const QUERY = `
SELECT (SELECT count(*) FROM usage.sessions), (SELECT count(*) FROM usage.sessions WHERE stopped_at IS NOT NULL),
       n_tup_ins, n_tup_upd, seq_scan + COALESCE(idx_scan, 0)
FROM pg_stat_user_tables WHERE schemaname = 'usage' AND relname = 'sessions';
`;

// The runs begun before the restart (:'restart'): open at the end, closed by cause, and reopened
// (a later run of the same server) with the gap after the closed one; one JSON object.
const ACROSS_RESTART = `
WITH before AS (SELECT * FROM usage.sessions WHERE started_at < :'restart'::timestamptz),
     reopened AS (SELECT b.id, min(s.started_at) - b.stopped_at AS gap FROM before b
                  JOIN usage.sessions s ON s.user_name = b.user_name AND s.server_name = b.server_name
                       AND s.started_at >= b.stopped_at AND s.id <> b.id
                  WHERE b.stopped_at IS NOT NULL GROUP BY b.id, b.stopped_at)
SELECT json_build_object(
  'before', (SELECT count(*) FROM before),
  'keptOpen', (SELECT count(*) FROM before WHERE stopped_at IS NULL),
  'closed', COALESCE((SELECT json_object_agg(cause, n) FROM (SELECT COALESCE(stop_cause, '') AS cause, count(*) AS n
                      FROM before WHERE stopped_at IS NOT NULL GROUP BY 1) c), '{}'::json),
  'reopened', (SELECT count(*) FROM reopened),
  'maxGapSeconds', (SELECT round(EXTRACT(EPOCH FROM max(gap))::numeric, 1) FROM reopened));
`;

function psql(databaseUrl: string, query: string, variables: Record<string, string> = {}): string {
  const args = Object.entries(variables).flatMap(([name, value]) => ["-v", `${name}=${value}`]);
  const result = spawnSync("psql", ["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", ...args], {
    input: query,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, ...libpqEnvironment(databaseUrl) },
  });
  if (result.status !== 0) throw new Error(`reading usage.sessions failed: ${result.stderr || result.error}`);
  return result.stdout.trim();
}

/** The figures, from the hub's database (its URL) and the hub's log file; `restart`: when the hub was restarted. */
export async function classUsageFigures(
  databaseUrl: string,
  hubLog: string,
  restart?: string,
): Promise<ClassUsageFigures> {
  // Other sessions send their table counters to PostgreSQL's statistics within 10 s of going idle.
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  const [runs = 0, closed = 0, inserted = 0, updated = 0, scans = 0] = psql(databaseUrl, QUERY)
    .split("\t")
    .map(Number);
  const acrossRestart = restart
    ? (JSON.parse(psql(databaseUrl, ACROSS_RESTART, { restart })) as AcrossRestart)
    : undefined;
  return {
    runs,
    closed,
    inserted,
    updated,
    scans,
    ...usageFromHubLog(readFileSync(hubLog, "utf8")),
    ...(acrossRestart ? { acrossRestart } : {}),
  };
}
