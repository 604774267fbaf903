/**
 * npm run bench:backup [-- --users N --files N --bytes N --dir DIR]: backup and restore timings of
 * the homes' CronJob script with the real restic (the pinned 0.19.1) on a local repository, for a
 * sample export of many small files (default 100 users × 1,000 files × 10,000 bytes = 1 GB; half of
 * each file random, half text, so restic's compression has something to do, as with notebooks).
 * Prints one line per step with its time and throughput; nothing is asserted (a figure, not a test).
 * A local repository on the same disk: over the network the repository's bandwidth adds to it.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { restic, resticBinary } from "../backup/restic";
import { HOME_TAG, restoreUserHome } from "../backup/restore";
import { BACKUP_HOST, BACKUP_SCRIPT } from "../components/cluster/backup-scripts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "100" },
    files: { type: "string", default: "1000" },
    bytes: { type: "string", default: "10000" },
    dir: { type: "string" },
  },
});
const users = Number(values.users);
const files = Number(values.files);
const bytes = Number(values.bytes);
const root = mkdtempSync(path.join(values.dir ?? os.tmpdir(), "bench-backup-"));
const exportDir = path.join(root, "export");
const binary = resticBinary();
const bin = path.join(root, "bin");
mkdirSync(bin);
spawnSync("ln", ["-s", binary, path.join(bin, "restic")]);
writeFileSync(path.join(root, "password"), "bench-password\n", { mode: 0o600 });
const env = {
  PATH: `${bin}:${process.env.PATH}`,
  HOME: root,
  RESTIC_REPOSITORY: path.join(root, "repository", "home"),
  RESTIC_PASSWORD_FILE: path.join(root, "password"),
  RESTIC_CACHE_DIR: path.join(root, "cache"),
  BACKUP_HOST,
  BACKUP_TAG: HOME_TAG,
  BACKUP_SOURCE: exportDir,
  KEEP_DAILY: "7",
  KEEP_WEEKLY: "5",
  KEEP_MONTHLY: "12",
};
const total = users * files * bytes;
const mb = (n: number) => (n / 1e6).toFixed(0);
const userDir = (user: number) =>
  path.join(exportDir, `jupyterhub-claim-user${user}-pvc-${user.toString(16).padStart(8, "0")}`);
const text = Buffer.from(
  "x = np.linspace(0, 1, 100)  # a notebook's cell\n".repeat(Math.ceil(bytes / 2 / 48)),
);

function fileBody(): Buffer {
  return Buffer.concat([randomBytes(Math.floor(bytes / 2)), text.subarray(0, bytes - Math.floor(bytes / 2))]);
}

function step(name: string, work: () => void, amount = total): void {
  const start = performance.now();
  work();
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `${name.padEnd(58)} ${seconds.toFixed(1).padStart(7)} s  ${(amount / 1e6 / seconds).toFixed(1).padStart(7)} MB/s`,
  );
}

function script(): void {
  const run = spawnSync("sh", ["-c", BACKUP_SCRIPT], { env, encoding: "utf8", maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`backup script exit ${run.status}: ${run.stderr}`);
}

const du = (dir: string) => Number(spawnSync("du", ["-sb", dir], { encoding: "utf8" }).stdout.split("\t")[0]);

try {
  console.log(
    `${spawnSync(binary, ["version"], { encoding: "utf8" }).stdout.trim()}; ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(2)}; ${root}`,
  );
  step(`write the sample: ${users} homes × ${files} files × ${bytes} B = ${mb(total)} MB`, () => {
    for (let user = 0; user < users; user++) {
      for (let file = 0; file < files; file++) {
        const dir = path.join(userDir(user), `course${file % 10}`);
        if (file < 10) mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, `cell-${file}.ipynb`), fileBody());
      }
    }
  });
  step("first backup (init, backup, forget --prune)", script);
  console.log(`  repository: ${mb(du(env.RESTIC_REPOSITORY))} MB for ${mb(total)} MB of files`);
  const changed = Math.max(1, Math.floor((users * files) / 100));
  for (let n = 0; n < changed; n++) {
    const user = n % users;
    writeFileSync(path.join(userDir(user), `course${n % 10}`, `cell-${(n * 7) % files}.ipynb`), fileBody());
  }
  step(`second backup after ${changed} files (1 %) changed`, script);
  step("third backup, nothing changed", script);
  const tool = restic(env);
  step(
    "restore one user's home (npm run restore's library)",
    () => {
      restoreUserHome(tool, "user0", path.join(root, "restore-user0"));
    },
    files * bytes,
  );
  step("full restore of every home (restic restore latest)", () => {
    tool.run(["restore", "--no-lock", "latest", "--target", path.join(root, "restore-all")]);
  });
} finally {
  rmSync(root, { recursive: true, force: true });
}
