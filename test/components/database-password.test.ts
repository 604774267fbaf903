/**
 * The database's init container `password-follows-secret` against a real PostgreSQL (Debian's,
 * the same major line as the image, sim/postgres.ts): after `pulumi destroy` and `up` the data
 * directory is kept and the generated password is new; the script must make the new one work and
 * the old one fail, and do nothing on a first start (the image's entrypoint creates the directory).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  DATABASE_NAME,
  DATABASE_USER,
  initDatabase,
  passwordFollowsSecret,
  prepareDataFolder,
  startPostgres,
} from "../../sim/postgres";

const OLD_PASSWORD = "firstGeneratedPassword123";
const NEW_PASSWORD = "secondGeneratedPassword456";
let dir: string;
let volume: string;
let pgdata: string;

function canLogIn(port: number, password: string): boolean {
  const result = spawnSync(
    "psql",
    ["-h", "127.0.0.1", "-p", String(port), "-U", DATABASE_USER, "-d", DATABASE_NAME, "-tAc", "select 1"],
    { encoding: "utf8", env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" } },
  );
  return result.status === 0 && result.stdout.trim() === "1";
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "pg-password-"));
  chmodSync(dir, 0o777); // the postgres user writes its socket here
  volume = path.join(dir, "volume");
  mkdirSync(volume);
  prepareDataFolder(volume);
  pgdata = path.join(volume, "pgdata");
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("the database's password follows its Secret", () => {
  test("on a first start (no data directory yet) the script does nothing and succeeds", () => {
    const result = passwordFollowsSecret(pgdata, NEW_PASSWORD);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(existsSync(pgdata), false);
  });

  test("on kept data with a new generated password, the new password logs in and the old one no longer does", async () => {
    initDatabase(pgdata, OLD_PASSWORD); // the first deploy, as the image's entrypoint does it
    let server = await startPostgres(pgdata, dir);
    try {
      assert.equal(canLogIn(server.port, OLD_PASSWORD), true, "the first deploy's password works");
    } finally {
      await server.stop();
    }

    const result = passwordFollowsSecret(pgdata, NEW_PASSWORD);
    assert.equal(result.status, 0, result.stderr);

    server = await startPostgres(pgdata, dir);
    try {
      assert.equal(canLogIn(server.port, NEW_PASSWORD), true, "the Secret's new password works");
      assert.equal(canLogIn(server.port, OLD_PASSWORD), false, "the old one is gone");
    } finally {
      await server.stop();
    }
  });
});
