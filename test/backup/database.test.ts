/**
 * The database's backup with a real PostgreSQL (Debian's, sim/postgres.ts) and the real restic:
 * the CronJob's init container script dumps the running server, its restic script backs the dump
 * up; after the hub's tables change, the documented full restore (restic dump, then pg_restore in
 * one transaction) brings back exactly the dumped state. A failed dump leaves no file that looks
 * complete, so nothing is backed up.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { restic, snapshots } from "../../backup/restic";
import {
  BACKUP_SCRIPT,
  DATABASE_RESTORE_SCRIPT,
  DUMP_FILE,
  DUMP_SCRIPT,
} from "../../components/cluster/backup-scripts";
import {
  DATABASE_NAME,
  DATABASE_USER,
  initDatabase,
  postgresBin,
  prepareDataFolder,
  type RunningPostgres,
  startPostgres,
} from "../../sim/postgres";
import { ensureRestic, jobEnv, runScript, type Scratch, scratch } from "./support";

const PASSWORD = "generatedDatabasePassword42";
let s: Scratch;
let server: RunningPostgres;
let dumpDir: string;
let repository: string;

const pgEnv = () => ({
  PATH: `${postgresBin()}:${s.path}`,
  PGHOST: "127.0.0.1",
  PGPORT: String(server.port),
  PGUSER: DATABASE_USER,
  PGDATABASE: DATABASE_NAME,
  PGPASSWORD: PASSWORD,
  DUMP_DIR: dumpDir,
});

function sql(query: string): string {
  const result = spawnSync(path.join(postgresBin(), "psql"), ["-tAc", query], {
    env: pgEnv(),
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

before(async () => {
  s = scratch("backup-db-", ensureRestic());
  chmodSync(s.dir, 0o777); // the postgres user writes its socket here
  const volume = path.join(s.dir, "volume");
  mkdirSync(volume);
  prepareDataFolder(volume);
  initDatabase(path.join(volume, "pgdata"), PASSWORD);
  server = await startPostgres(path.join(volume, "pgdata"), s.dir);
  dumpDir = path.join(s.dir, "dump");
  mkdirSync(dumpDir);
  repository = path.join(s.dir, "repository", "database");
  // Tables shaped like the hub's (users, their servers' state).
  sql("CREATE TABLE users (id serial PRIMARY KEY, name text UNIQUE NOT NULL, admin boolean)");
  sql("INSERT INTO users (name, admin) VALUES ('alice', false), ('bob', false), ('admin1', true)");
});

after(async () => {
  await server?.stop();
  rmSync(s.dir, { recursive: true, force: true });
});

describe("the hub database's backup and full restore with a real PostgreSQL and restic", () => {
  test("the dump script writes one complete dump of the running server; the backup script stores it", () => {
    const dumped = runScript(DUMP_SCRIPT, pgEnv());
    assert.equal(dumped.status, 0, dumped.stderr);
    assert.deepEqual(readdirSync(dumpDir), [DUMP_FILE]);
    const stored = runScript(BACKUP_SCRIPT, jobEnv(s, repository, "database", dumpDir));
    assert.equal(stored.status, 0, stored.stderr);
    const list = snapshots(restic(jobEnv(s, repository, "database", dumpDir)), "database");
    assert.equal(list.length, 1);
  });

  test("after the tables change, the documented full restore brings back the dumped state", () => {
    sql("DELETE FROM users WHERE name = 'alice'");
    sql("INSERT INTO users (name, admin) VALUES ('mallory', true)");
    const restored = path.join(s.dir, "restored.dump");
    const tool = restic(jobEnv(s, repository, "database", dumpDir));
    tool.run(["dump", "--no-lock", "--target", restored, "latest", path.posix.join(dumpDir, DUMP_FILE)]);
    const result = runScript(DATABASE_RESTORE_SCRIPT, { ...pgEnv(), DUMP_PATH: restored });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(sql("SELECT string_agg(name, ',' ORDER BY id) FROM users"), "alice,bob,admin1");
  });

  test("a dump that fails (wrong password) leaves no complete-looking file and fails the job's init container", () => {
    rmSync(dumpDir, { recursive: true, force: true });
    mkdirSync(dumpDir);
    const result = runScript(DUMP_SCRIPT, { ...pgEnv(), PGPASSWORD: "wrong" });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /password authentication failed/);
    assert.equal(existsSync(path.join(dumpDir, DUMP_FILE)), false);
  });
});
