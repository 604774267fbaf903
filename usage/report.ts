/**
 * The monthly usage report (npm run usage): hours and compute units (CU) per user and profile, per
 * group, and the cost, read from the accounting table the hub writes (hub/usage_accounting.py,
 * table usage.sessions). Runs are cut at the month's bounds in the stack's usage.timeZone; a run
 * still open counts up to now; a user counts in the groups of their last run of the month. The hub's
 * admin API computes the same figures in Python (hub/usage_report.py); both pass one hand-computed
 * corpus (test/fixtures/usage-corpus.json). The database is read with psql (Debian's postgresql-client), so no
 * driver is added to the project; the connection comes from a libpq URL (USAGE_DATABASE_URL).
 */
import { spawnSync } from "node:child_process";

export interface ProfileUsage {
  readonly profile: string;
  readonly hours: number;
  readonly cu: number;
}

export interface UserUsage {
  readonly user: string;
  readonly groups: readonly string[];
  readonly profiles: readonly ProfileUsage[];
  readonly hours: number;
  readonly cu: number;
  readonly cost: number;
}

export interface GroupUsage {
  readonly group: string;
  readonly users: number;
  readonly hours: number;
  readonly cu: number;
  readonly cost: number;
}

export interface UsageReport {
  readonly month: string;
  readonly timeZone: string;
  readonly pricePerUnit: number;
  readonly currency: string;
  readonly users: readonly UserUsage[];
  readonly groups: readonly GroupUsage[];
}

export interface ReportOptions {
  readonly databaseUrl: string;
  readonly month: string;
  readonly timeZone: string;
  readonly pricePerUnit: number;
  readonly currency: string;
  readonly user?: string;
  readonly group?: string;
  /** The instant open runs count up to (tests); default the database's now(). */
  readonly now?: string;
}

export class UsageDatabaseError extends Error {}

// Month bounds in the time zone: local midnight of the 1st to local midnight of the next 1st.
const QUERY = `
WITH b AS (SELECT (:'month' || '-01')::timestamp AT TIME ZONE :'tz' AS s,
                  ((:'month' || '-01')::timestamp + interval '1 month') AT TIME ZONE :'tz' AS e,
                  :'now'::timestamptz AS n),
r AS (SELECT user_name, profile, groups, started_at, cu_per_hour,
             GREATEST(0, EXTRACT(EPOCH FROM (LEAST(COALESCE(stopped_at, b.n), b.e)
                                             - GREATEST(started_at, b.s)))) / 3600.0 AS hours
      FROM usage.sessions, b
      WHERE started_at < b.e AND COALESCE(stopped_at, b.n) > b.s AND started_at < b.n)
SELECT user_name, profile, (array_agg(array_to_string(groups, ' ') ORDER BY started_at DESC))[1],
       SUM(hours), SUM(hours * cu_per_hour), EXTRACT(EPOCH FROM MAX(started_at))
FROM r GROUP BY user_name, profile ORDER BY user_name, profile;
`;

export function checkMonth(month: string): string | undefined {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(month) ? undefined : `--month ${month}: give YYYY-MM, e.g. 2026-11`;
}

/** The URL as libpq's variables, so no password is on psql's command line (where `ps` shows it). */
export function libpqEnvironment(url: string): Record<string, string> {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/^postgresql\+\w+:/, "postgresql:"));
  } catch {
    throw new UsageDatabaseError(
      "USAGE_DATABASE_URL is not a URL (postgresql://USER:PASSWORD@HOST:PORT/DATABASE)",
    );
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol))
    throw new UsageDatabaseError("USAGE_DATABASE_URL must be a postgresql:// URL");
  const env: Record<string, string> = { PGCONNECT_TIMEOUT: "10" };
  if (parsed.hostname) env.PGHOST = parsed.hostname;
  if (parsed.port) env.PGPORT = parsed.port;
  if (parsed.username) env.PGUSER = decodeURIComponent(parsed.username);
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  if (database) env.PGDATABASE = database;
  const sslmode = parsed.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

interface Row {
  readonly user: string;
  readonly profile: string;
  readonly groups: readonly string[];
  readonly hours: number;
  readonly cu: number;
  /** When the last run of this profile in the month started (seconds since 1970): the user's groups are its. */
  readonly lastStarted: number;
}

function queryRows(options: ReportOptions): Row[] {
  const vars = { month: options.month, tz: options.timeZone, now: options.now ?? "now" };
  const args = ["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1"];
  for (const [name, value] of Object.entries(vars)) args.push("-v", `${name}=${value}`);
  const env = { ...process.env, ...libpqEnvironment(options.databaseUrl) };
  const result = spawnSync("psql", args, { input: QUERY, encoding: "utf8", timeout: 60_000, env });
  if (result.error) throw new UsageDatabaseError(`psql could not run: ${result.error.message}`);
  if (result.status !== 0)
    throw new UsageDatabaseError(`reading the usage database failed: ${result.stderr.trim()}`);
  return result.stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [user = "", profile = "", groups = "", hours = "0", cu = "0", lastStarted = "0"] =
        line.split("\t");
      return {
        user,
        profile,
        groups: groups.split(" ").filter(Boolean),
        hours: Number(hours),
        cu: Number(cu),
        lastStarted: Number(lastStarted),
      };
    });
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;
const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

export function usageReport(options: ReportOptions): UsageReport {
  const rows = queryRows(options);
  const cost = (cu: number) => round(cu * options.pricePerUnit, 2);
  const byUser = new Map<string, Row[]>();
  for (const row of rows) byUser.set(row.user, [...(byUser.get(row.user) ?? []), row]);
  const users: UserUsage[] = [...byUser.entries()].map(([user, own]) => {
    const cu = round(sum(own.map((row) => row.cu)), 3);
    return {
      user,
      groups: own.reduce((last, row) => (row.lastStarted > last.lastStarted ? row : last)).groups,
      profiles: own.map((row) => ({
        profile: row.profile,
        hours: round(row.hours, 3),
        cu: round(row.cu, 3),
      })),
      hours: round(sum(own.map((row) => row.hours)), 3),
      cu,
      cost: cost(cu),
    };
  });
  const chosen = users.filter(
    (u) => (!options.user || u.user === options.user) && (!options.group || u.groups.includes(options.group)),
  );
  const groupNames = [...new Set(chosen.flatMap((u) => u.groups))].sort();
  const groups = groupNames
    .filter((group) => !options.group || group === options.group)
    .map((group) => {
      const members = chosen.filter((u) => u.groups.includes(group));
      const cu = round(sum(members.map((u) => u.cu)), 3);
      return {
        group,
        users: members.length,
        hours: round(sum(members.map((u) => u.hours)), 3),
        cu,
        cost: cost(cu),
      };
    });
  const { month, timeZone, pricePerUnit, currency } = options;
  return { month, timeZone, pricePerUnit, currency, users: chosen, groups };
}
