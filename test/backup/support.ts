/**
 * What the backup tests share: the pinned restic (sim/build-tools.sh builds it, the version of the
 * CronJobs' image), a scratch folder, and the CronJobs' own scripts run with `sh -c` and the
 * environment the CronJob would give them, pointed at a local repository.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { resticBinary } from "../../backup/restic";
import { BACKUP_HOST } from "../../components/cluster/backup-scripts";
import { PROJECT_ROOT } from "../helpers";

/** Builds restic if it is not cached yet (about 75 s cold on 2 cores; a no-op afterwards). */
export function ensureRestic(): string {
  const built = spawnSync("bash", [path.join(PROJECT_ROOT, "sim", "build-tools.sh"), "restic"], {
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`sim/build-tools.sh restic failed: ${built.stdout}${built.stderr}`);
  return resticBinary({});
}

export interface Scratch {
  readonly dir: string;
  /** A PATH whose `restic` is the pinned one. */
  readonly path: string;
  readonly passwordFile: string;
  readonly wrongPasswordFile: string;
}

export function scratch(prefix: string, binary: string): Scratch {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  symlinkSync(binary, path.join(bin, "restic"));
  const passwordFile = path.join(dir, "password");
  writeFileSync(passwordFile, "correct-horse-battery-staple-0123456789\n", { mode: 0o600 });
  const wrongPasswordFile = path.join(dir, "wrong-password");
  writeFileSync(wrongPasswordFile, "not-the-password\n", { mode: 0o600 });
  return { dir, path: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`, passwordFile, wrongPasswordFile };
}

export interface Keep {
  readonly daily: number;
  readonly weekly: number;
  readonly monthly: number;
}

/** The environment a CronJob gives its restic container (backup-spec.ts resticEnv). */
export function jobEnv(
  s: Scratch,
  repository: string,
  tag: string,
  source: string,
  keep: Keep = { daily: 7, weekly: 5, monthly: 12 },
): NodeJS.ProcessEnv {
  return {
    PATH: s.path,
    HOME: s.dir,
    RESTIC_REPOSITORY: repository,
    RESTIC_PASSWORD_FILE: s.passwordFile,
    RESTIC_CACHE_DIR: path.join(s.dir, "cache"),
    TMPDIR: os.tmpdir(),
    BACKUP_HOST,
    BACKUP_TAG: tag,
    BACKUP_SOURCE: source,
    KEEP_DAILY: String(keep.daily),
    KEEP_WEEKLY: String(keep.weekly),
    KEEP_MONTHLY: String(keep.monthly),
  };
}

/** Runs one of the CronJobs' scripts as their container does (`sh -c`). */
export function runScript(script: string, env: NodeJS.ProcessEnv) {
  return spawnSync("sh", ["-c", script], { env, encoding: "utf8", maxBuffer: 1 << 28 });
}
