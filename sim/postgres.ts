/**
 * The hub database pod's container, run for real on this machine: Debian's PostgreSQL (the same
 * major line as the image) on a data folder, doing what the rendered StatefulSet's containers do.
 * kwok runs no containers, so the engine proof uses this on the database claim's volume folder to
 * show that the hub's users survive `pulumi destroy` and `up`; the database test uses it to check
 * the init container's script. Installed by tools/ensure-postgres.sh.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { PASSWORD_FOLLOWS_SECRET } from "../components/jupyterhub/database-spec";
import { waitFor } from "./wait";

/** What the rendered StatefulSet sets (components/jupyterhub/database.ts). */
export const DATABASE_USER = "jupyterhub";
export const DATABASE_NAME = "jupyterhub";

/** Debian's server binaries (postgres, initdb, pg_ctl). */
export function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const version = existsSync(root) ? readdirSync(root).sort().pop() : undefined;
  const bin = version && path.join(root, version, "bin");
  if (!bin || !existsSync(path.join(bin, "postgres")))
    throw new Error("PostgreSQL's server is not installed: run `bash tools/ensure-postgres.sh`");
  return bin;
}

const asRoot = () => process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root, commands run as the `postgres` user. */
function command(args: readonly string[], env: Record<string, string>): [string, string[]] {
  const vars = Object.entries({ PATH: `${postgresBin()}:/usr/bin:/bin`, ...env }).map(
    ([k, v]) => `${k}=${v}`,
  );
  const [file, ...rest] = [...(asRoot() ? ["runuser", "-u", "postgres", "--"] : []), "env", ...vars, ...args];
  return [file as string, rest];
}

export function runAsPostgres(args: readonly string[], env: Record<string, string> = {}, cwd = "/") {
  const [file, rest] = command(args, env);
  return spawnSync(file, rest, { encoding: "utf8", cwd });
}

function check(result: { status: number | null; stderr: string }, what: string): void {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}): ${result.stderr}`);
}

/** The folder the pod's volume is: owned by the database's user, as the pod's fsGroup makes it. */
export function prepareDataFolder(folder: string): void {
  if (asRoot()) check(spawnSync("chown", ["-R", "postgres", folder], { encoding: "utf8" }), "chown");
  chmodSync(folder, 0o700);
}

/** The image's first start on an empty volume: superuser and database `jupyterhub`, this password. */
export function initDatabase(pgdata: string, password: string): void {
  const pwfile = path.join(path.dirname(pgdata), ".pwfile");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
  try {
    check(
      runAsPostgres([
        "initdb",
        "-D",
        pgdata,
        "-U",
        DATABASE_USER,
        "--auth-host=scram-sha-256",
        `--pwfile=${pwfile}`,
      ]),
      "initdb",
    );
  } finally {
    spawnSync("rm", ["-f", pwfile]);
  }
  check(
    runAsPostgres(
      ["sh", "-c", `echo "CREATE DATABASE ${DATABASE_NAME}" | postgres --single -D "$PGDATA" postgres`],
      {
        PGDATA: pgdata,
      },
    ),
    "CREATE DATABASE",
  );
}

/** The StatefulSet's init container `password-follows-secret`, with the Secret's password. */
export function passwordFollowsSecret(pgdata: string, password: string) {
  return runAsPostgres(["sh", "-c", PASSWORD_FOLLOWS_SECRET], {
    PGDATA: pgdata,
    POSTGRES_PASSWORD: password,
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

export interface RunningPostgres {
  readonly port: number;
  /** The URL the hub builds (hub/jupyterhub_config.py): postgresql+psycopg2://jupyterhub:<password>@127.0.0.1:<port>/jupyterhub */
  url(password: string): string;
  stop(): Promise<void>;
}

/** Starts the server on `pgdata` on a free port of 127.0.0.1; its socket goes to `socketDir`. */
export async function startPostgres(pgdata: string, socketDir: string): Promise<RunningPostgres> {
  const port = await freePort();
  const [file, args] = command(
    ["postgres", "-D", pgdata, "-p", String(port), "-k", socketDir, "-c", "listen_addresses=127.0.0.1"],
    {},
  );
  const server: ChildProcess = spawn(file, args, { stdio: "ignore", cwd: "/" });
  const exited = () => server.exitCode !== null || server.signalCode !== null;
  await waitFor(
    "PostgreSQL accepting connections",
    () => {
      if (exited()) throw new Error(`postgres exited (${server.exitCode ?? server.signalCode})`);
      return (
        spawnSync(path.join(postgresBin(), "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)]).status ===
        0
      );
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return {
    port,
    url: (password) =>
      `postgresql+psycopg2://${DATABASE_USER}:${password}@127.0.0.1:${port}/${DATABASE_NAME}`,
    async stop() {
      // As the postgres user: a signal to runuser would not reach the server.
      runAsPostgres(["pg_ctl", "stop", "-D", pgdata, "-m", "fast", "-w"]);
      await waitFor("PostgreSQL stopped", exited, { timeoutMs: 60_000, intervalMs: 100 });
    },
  };
}
