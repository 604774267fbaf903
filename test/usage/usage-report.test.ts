/**
 * npm run usage against a seeded database: a real PostgreSQL (Debian's, sim/postgres.ts) with the
 * schema the hub makes (hub/usage_accounting.py, run through the hub's venv) and the runs of the
 * shared corpus (test/fixtures/usage-corpus.json), whose reports are computed by hand and which the
 * hub's admin API passes too (test/hub/test_usage_report.py): the seed's example month for alice,
 * bob's runs across both ends of November in Europe/Vienna (one still open), carol changing groups.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { initDatabase, prepareDataFolder, type RunningPostgres, startPostgres } from "../../sim/postgres";
import { reportCsv, reportText } from "../../usage/format";
import { type ReportOptions, type UsageReport, usageReport } from "../../usage/report";

const ROOT = path.resolve(__dirname, "..", "..");
const PASSWORD = "usageReportTestPassword1";
let dir: string;
let server: RunningPostgres;
let options: ReportOptions;

interface CorpusRun {
  readonly user: string;
  readonly server: string;
  readonly profile: string;
  readonly groups: readonly string[];
  readonly cuPerHour: number;
  readonly start: string;
  readonly stop: string | null;
  readonly cause: string | null;
}

interface Corpus {
  readonly runs: readonly CorpusRun[];
  readonly now: string;
  readonly cases: readonly {
    readonly name: string;
    readonly options: Omit<ReportOptions, "databaseUrl" | "now">;
    readonly expected: Pick<UsageReport, "users" | "groups">;
  }[];
}

const CORPUS = JSON.parse(
  readFileSync(path.join(ROOT, "test", "fixtures", "usage-corpus.json"), "utf8"),
) as Corpus;

const literal = (value: string | null) => (value === null ? "NULL" : `'${value.replaceAll("'", "''")}'`);
const SEED = `INSERT INTO usage.sessions
  (user_name, server_name, profile, groups, cu_per_hour, started_at, stopped_at, stop_cause) VALUES
${CORPUS.runs
  .map(
    (run) =>
      `(${literal(run.user)}, ${literal(run.server)}, ${literal(run.profile)}, ${literal(`{${run.groups.join(",")}}`)}, ${run.cuPerHour}, ${literal(run.start)}, ${literal(run.stop)}, ${literal(run.cause)})`,
  )
  .join(",\n")};`;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "usage-report-"));
  chmodSync(dir, 0o777); // the postgres user writes its socket here
  const volume = path.join(dir, "volume");
  mkdirSync(volume);
  prepareDataFolder(volume);
  initDatabase(path.join(volume, "pgdata"), PASSWORD);
  server = await startPostgres(path.join(volume, "pgdata"), dir);
  const url = server.url(PASSWORD);
  const python = path.join(ROOT, ".work", "venv", "bin", "python");
  const schema = spawnSync(
    python,
    ["-c", "import sys, usage_accounting as a; a.ensure_schema(a.connect(sys.argv[1]))", url],
    { cwd: path.join(ROOT, "hub"), encoding: "utf8", env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } },
  );
  assert.equal(schema.status, 0, schema.stderr);
  const env = { ...process.env, PGPASSWORD: PASSWORD };
  const connect = ["-h", "127.0.0.1", "-p", String(server.port), "-U", "jupyterhub", "-d", "jupyterhub"];
  const seeded = spawnSync("psql", [...connect, "-X", "-v", "ON_ERROR_STOP=1"], {
    input: SEED,
    encoding: "utf8",
    env,
  });
  assert.equal(seeded.status, 0, seeded.stderr);
  options = {
    databaseUrl: url,
    month: "2026-11",
    timeZone: "Europe/Vienna",
    pricePerUnit: 0.5,
    currency: "EUR",
    now: CORPUS.now,
  };
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

for (const corpusCase of CORPUS.cases)
  test(`corpus: ${corpusCase.name}`, () => {
    const report = usageReport({ ...options, ...corpusCase.options });
    assert.deepEqual({ users: report.users, groups: report.groups }, corpusCase.expected);
    assert.equal(report.month, corpusCase.options.month);
    assert.equal(report.currency, corpusCase.options.currency);
  });

test("--user and --group narrow the report; text and CSV carry the same figures", () => {
  assert.deepEqual(
    usageReport({ ...options, user: "bob" }).users.map((u) => u.user),
    ["bob"],
  );
  const group = usageReport({ ...options, group: "cpsHPCAccess" });
  assert.deepEqual(
    [group.users.map((u) => u.user), group.groups.map((g) => g.group)],
    [["alice", "carol"], ["cpsHPCAccess"]],
  );
  const text = reportText(usageReport({ ...options, user: "alice" }));
  assert.match(text, /Total: +75\.0 h → +482\.5 CU/);
  assert.match(text, /Cost: 482\.5 CU × 0\.5 EUR\/CU = 241\.25 EUR/);
  const csv = reportCsv(usageReport(options)).trim().split("\n");
  assert.equal(csv[0], "month,user,groups,profile,hours,cu,cost,currency");
  assert.ok(
    csv.includes("2026-11,alice,cpsHPCAccess,gpu-pytorch-single,40.000,320.000,160.00,EUR"),
    csv.join("\n"),
  );
});
