/**
 * What usage accounting costs a class (`npm run class -- --usage`): the writes to the schema `usage`
 * (one per start and per stop; the audit lines `spawned` and `stopped` are written with them, so their
 * times give the writes per minute), the scans of usage.sessions (PostgreSQL's own counters), and the
 * time the pre-spawn budget check takes in the hub (its log line `usage: budget check ... ms`).
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
}

/** The writes and budget checks in a hub log (the audit lines and the check's timing line). */
export function usageFromHubLog(log: string) {
  const minutes = new Map<string, number>();
  const checks: number[] = [];
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
  };
}

const QUERY = `
SELECT (SELECT count(*) FROM usage.sessions), (SELECT count(*) FROM usage.sessions WHERE stopped_at IS NOT NULL),
       n_tup_ins, n_tup_upd, seq_scan + COALESCE(idx_scan, 0)
FROM pg_stat_user_tables WHERE schemaname = 'usage' AND relname = 'sessions';
`;

/** The figures, from the hub's database (its URL) and the hub's log file. */
export async function classUsageFigures(databaseUrl: string, hubLog: string): Promise<ClassUsageFigures> {
  // Other sessions send their table counters to PostgreSQL's statistics within 10 s of going idle.
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  const result = spawnSync("psql", ["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"], {
    input: QUERY,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, ...libpqEnvironment(databaseUrl) },
  });
  if (result.status !== 0) throw new Error(`reading usage.sessions failed: ${result.stderr || result.error}`);
  const [runs = 0, closed = 0, inserted = 0, updated = 0, scans = 0] = result.stdout
    .trim()
    .split("\t")
    .map(Number);
  return { runs, closed, inserted, updated, scans, ...usageFromHubLog(readFileSync(hubLog, "utf8")) };
}
