/**
 * npm run usage against a seeded database: a real PostgreSQL (Debian's, sim/postgres.ts) with the
 * schema the hub makes (hub/usage_accounting.py, run through the hub's venv) and runs whose figures
 * are computed by hand: the seed's example month for alice, and bob's runs across both ends of
 * November in Europe/Vienna, one still open.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { initDatabase, prepareDataFolder, type RunningPostgres, startPostgres } from "../../sim/postgres";
import { reportCsv, reportText } from "../../usage/format";
import { type ReportOptions, usageReport } from "../../usage/report";

const ROOT = path.resolve(__dirname, "..", "..");
const PASSWORD = "usageReportTestPassword1";
let dir: string;
let server: RunningPostgres;
let options: ReportOptions;

const SEED = `
INSERT INTO usage.sessions (user_name, server_name, profile, groups, cu_per_hour, started_at, stopped_at, stop_cause) VALUES
 ('alice', '', 'cpu-default', '{cpsHPCAccess}', 0.1, '2026-11-02 08:00 Europe/Vienna', '2026-11-03 09:00 Europe/Vienna', 'user'),
 ('alice', '', 'gpu-pytorch-single', '{cpsHPCAccess}', 8, '2026-11-05 08:00 Europe/Vienna', '2026-11-07 00:00 Europe/Vienna', 'max-runtime'),
 ('alice', 'dual', 'gpu-pytorch-dual', '{cpsHPCAccess}', 16, '2026-11-10 10:00 Europe/Vienna', '2026-11-10 20:00 Europe/Vienna', 'idle-cull'),
 ('bob', '', 'cpu-default', '{cps-students}', 0.1, '2026-10-31 22:00 Europe/Vienna', '2026-11-01 04:00 Europe/Vienna', 'user');
INSERT INTO usage.sessions (user_name, server_name, profile, groups, cu_per_hour, started_at) VALUES
 ('bob', '', 'cpu-default', '{cps-students}', 0.1, '2026-11-30 20:00 Europe/Vienna');
`;

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
  // 01:00 on 1 December in Vienna: bob's open run has 4 h in November so far.
  const now = "2026-12-01 01:00 Europe/Vienna";
  options = {
    databaseUrl: url,
    month: "2026-11",
    timeZone: "Europe/Vienna",
    pricePerUnit: 0.5,
    currency: "EUR",
    now,
  };
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("November matches the hand-computed figures: the seed's example for alice, bob's runs cut at the month", () => {
  const report = usageReport(options);
  assert.deepEqual(report.users, [
    {
      user: "alice",
      groups: ["cpsHPCAccess"],
      profiles: [
        { profile: "cpu-default", hours: 25, cu: 2.5 },
        { profile: "gpu-pytorch-dual", hours: 10, cu: 160 },
        { profile: "gpu-pytorch-single", hours: 40, cu: 320 },
      ],
      hours: 75,
      cu: 482.5,
      cost: 241.25,
    },
    // 1 Nov 00:00-04:00 of the run begun on 31 October, and 30 Nov 20:00 to now (1 Dec 01:00) cut at midnight
    {
      user: "bob",
      groups: ["cps-students"],
      profiles: [{ profile: "cpu-default", hours: 8, cu: 0.8 }],
      hours: 8,
      cu: 0.8,
      cost: 0.4,
    },
  ]);
  assert.deepEqual(report.groups, [
    { group: "cps-students", users: 1, hours: 8, cu: 0.8, cost: 0.4 },
    { group: "cpsHPCAccess", users: 1, hours: 75, cu: 482.5, cost: 241.25 },
  ]);
});

test("October holds only the 2 h before midnight; December the hour so far", () => {
  assert.deepEqual(
    usageReport({ ...options, month: "2026-10" }).users.map((u) => [u.user, u.hours, u.cu]),
    [["bob", 2, 0.2]],
  );
  assert.deepEqual(
    usageReport({ ...options, month: "2026-12" }).users.map((u) => [u.user, u.hours, u.cu]),
    [["bob", 1, 0.1]],
  );
});

test("--user and --group narrow the report; text and CSV carry the same figures", () => {
  assert.deepEqual(
    usageReport({ ...options, user: "bob" }).users.map((u) => u.user),
    ["bob"],
  );
  const group = usageReport({ ...options, group: "cpsHPCAccess" });
  assert.deepEqual(
    [group.users.map((u) => u.user), group.groups.map((g) => g.group)],
    [["alice"], ["cpsHPCAccess"]],
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
