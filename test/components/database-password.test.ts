/**
 * The database's init container `password-follows-secret` against a real PostgreSQL (Debian's,
 * the same major line as the image): after `pulumi destroy` and `up` the data directory is kept
 * and the generated password is new; the script must make the new one work and the old one fail,
 * and do nothing on a first start (the image's entrypoint creates the directory then).
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { PASSWORD_FOLLOWS_SECRET } from "../../components/jupyterhub/database";
import { waitFor } from "../../sim/wait";

/** Debian's server binaries (postgres, initdb); installed by tools/ensure-postgres.sh. */
function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const version = existsSync(root) ? readdirSync(root).sort().pop() : undefined;
  const bin = version && path.join(root, version, "bin");
  if (!bin || !existsSync(path.join(bin, "postgres")))
    throw new Error("PostgreSQL's server is not installed: run `bash tools/ensure-postgres.sh`");
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

const BIN = postgresBin();
const OLD_PASSWORD = "firstGeneratedPassword123";
const NEW_PASSWORD = "secondGeneratedPassword456";
let dir: string;
let pgdata: string;

/** PostgreSQL refuses to run as root: as root, server commands run as the `postgres` user. */
function postgresCommand(command: string[], env: Record<string, string> = {}): [string, string[]] {
  const vars = Object.entries({ PATH: `${BIN}:/usr/bin:/bin`, ...env }).map(([k, v]) => `${k}=${v}`);
  const asUser = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  const [file, ...args] = [...asUser, "env", ...vars, ...command];
  return [file as string, args];
}

function asPostgres(command: string[], env: Record<string, string> = {}) {
  const [file, args] = postgresCommand(command, env);
  return spawnSync(file, args, { encoding: "utf8", cwd: dir });
}

function canLogIn(port: number, password: string): boolean {
  const result = spawnSync(
    "psql",
    ["-h", "127.0.0.1", "-p", String(port), "-U", "jupyterhub", "-d", "jupyterhub", "-tAc", "select 1"],
    { encoding: "utf8", env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" } },
  );
  return result.status === 0 && result.stdout.trim() === "1";
}

async function withServer<T>(run: (port: number) => Promise<T> | T): Promise<T> {
  const port = await freePort();
  const [file, args] = postgresCommand([
    "postgres",
    ...["-D", pgdata, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"],
  ]);
  const server: ChildProcess = spawn(file, args, { stdio: "ignore", cwd: dir });
  try {
    await waitFor(
      "PostgreSQL accepting connections",
      () => spawnSync(path.join(BIN, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)]).status === 0,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    return await run(port);
  } finally {
    // As the postgres user: a signal to runuser would not reach the server.
    asPostgres(["pg_ctl", "stop", "-D", pgdata, "-m", "fast", "-w"]);
    await waitFor("PostgreSQL stopped", () => server.exitCode !== null || server.signalCode !== null, {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
  }
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "pg-password-"));
  chmodSync(dir, 0o777); // the postgres user writes the socket and data here
  pgdata = path.join(dir, "pgdata");
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe("the database's password follows its Secret", () => {
  test("on a first start (no data directory yet) the script does nothing and succeeds", () => {
    const result = asPostgres(["sh", "-c", PASSWORD_FOLLOWS_SECRET], {
      PGDATA: pgdata,
      POSTGRES_PASSWORD: NEW_PASSWORD,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(existsSync(pgdata), false);
  });

  test("on kept data with a new generated password, the new password logs in and the old one no longer does", async () => {
    const pwfile = path.join(dir, "pwfile");
    writeFileSync(pwfile, `${OLD_PASSWORD}\n`);
    chmodSync(pwfile, 0o644);
    // What the image's entrypoint does on the first deploy: superuser jupyterhub, database jupyterhub.
    const init = asPostgres([
      "initdb",
      "-D",
      pgdata,
      "-U",
      "jupyterhub",
      "--auth-host=scram-sha-256",
      `--pwfile=${pwfile}`,
    ]);
    assert.equal(init.status, 0, init.stderr);
    const create = asPostgres(
      ["sh", "-c", 'echo "CREATE DATABASE jupyterhub" | postgres --single -D "$PGDATA" postgres'],
      {
        PGDATA: pgdata,
      },
    );
    assert.equal(create.status, 0, create.stderr);
    assert.equal(
      await withServer((port) => canLogIn(port, OLD_PASSWORD)),
      true,
      "the first deploy's password works",
    );

    const result = asPostgres(["sh", "-c", PASSWORD_FOLLOWS_SECRET], {
      PGDATA: pgdata,
      POSTGRES_PASSWORD: NEW_PASSWORD,
    });
    assert.equal(result.status, 0, result.stderr);

    await withServer((port) => {
      assert.equal(canLogIn(port, NEW_PASSWORD), true, "the Secret's new password works");
      assert.equal(canLogIn(port, OLD_PASSWORD), false, "the old one is gone");
    });
  });
});
