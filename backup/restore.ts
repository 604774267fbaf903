/**
 * Restoring one user's home from the homes' repository (`npm run restore`): the snapshot at or
 * before a time, the user's directories in it (the NFS provisioner names them
 * `<namespace>-claim-<user>-<volume>`, archived ones with `archived-` in front), restored into a
 * folder of their own, which must be new or empty. Only then, if asked, the restored files are
 * copied into the live home, and only where the home has no file of that name: newer work is
 * never overwritten, and every file kept because it differs is named.
 */
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  utimesSync,
} from "node:fs";
import path from "node:path";
import { listDir, type Restic, type Snapshot, snapshots } from "./restic";

/** The tag the homes' CronJob gives its snapshots (backup-spec.ts BACKUP_TAG). */
export const HOME_TAG = "home";

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether a directory of the export is one of `user`'s homes (current, released or archived). */
export function isUserDirectory(name: string, user: string): boolean {
  return new RegExp(`^(archived-)?[a-z0-9-]+-claim-${literal(user)}-pvc-[0-9a-f-]+$`).test(name);
}

/** The last snapshot taken at or before `at` (the latest without it); undefined if none. */
export function snapshotAt(list: readonly Snapshot[], at?: Date): Snapshot | undefined {
  const limit = at ? at.getTime() : Number.POSITIVE_INFINITY;
  return [...list].reverse().find((snapshot) => Date.parse(snapshot.time) <= limit);
}

export interface RestoredHome {
  readonly snapshot: Snapshot;
  /** Each of the user's directories in the snapshot, and where its files now are. */
  readonly directories: readonly { readonly name: string; readonly restoredTo: string }[];
}

/** Restores `user`'s directories from the snapshot at `at` into `target` (new or empty). */
export function restoreUserHome(tool: Restic, user: string, target: string, at?: Date): RestoredHome {
  if (existsSync(target) && readdirSync(target).length > 0)
    throw new Error(`${target} is not empty: a restore goes into a new or empty folder, never over files`);
  const list = snapshots(tool, HOME_TAG);
  const snapshot = snapshotAt(list, at);
  if (!snapshot) {
    const first = list[0]?.time;
    throw new Error(
      first
        ? `no snapshot at or before ${at?.toISOString()}; the first is from ${first}`
        : "the repository has no home snapshots",
    );
  }
  const root = snapshot.paths[0] ?? "/";
  const names = listDir(tool, snapshot.id, root)
    .filter((entry) => entry.type === "dir" && isUserDirectory(entry.name, user))
    .map((entry) => entry.name);
  if (names.length === 0)
    throw new Error(`snapshot ${snapshot.short_id} (${snapshot.time}) holds no home of ${user}`);
  mkdirSync(target, { recursive: true });
  const directories = names.map((name) => {
    const restoredTo = path.join(target, name);
    tool.run([
      "restore",
      "--no-lock",
      `${snapshot.id}:${path.posix.join(root, name)}`,
      "--target",
      restoredTo,
    ]);
    return { name, restoredTo };
  });
  return { snapshot, directories };
}

export interface MergeReport {
  /** Files the home did not have, copied from the restore (paths relative to the home). */
  readonly copied: readonly string[];
  /** Files the home has with other content: the home's are kept, the backup's stay in the restore folder. */
  readonly kept: readonly string[];
}

/** Copies what `home` lacks from `restored`; never replaces or deletes anything in `home`. */
export function mergeIntoHome(restored: string, home: string): MergeReport {
  const copied: string[] = [];
  const kept: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(restored, relative)).sort()) {
      const child = path.join(relative, name);
      const from = path.join(restored, child);
      const to = path.join(home, child);
      const stat = lstatSync(from);
      if (stat.isDirectory()) {
        if (!existsSync(to)) mkdirSync(to, { mode: stat.mode & 0o7777 });
        if (lstatSync(to).isDirectory()) walk(child);
        else kept.push(child);
      } else if (stat.isFile()) {
        if (!existsSync(to)) {
          copyFileSync(from, to);
          utimesSync(to, stat.atime, stat.mtime);
          copied.push(child);
        } else if (!lstatSync(to).isFile() || !readFileSync(to).equals(readFileSync(from))) {
          kept.push(child);
        }
      }
    }
  };
  walk("");
  return { copied, kept };
}

/** Each snapshot's age at `now`, newest last: the last successful backup's age is the last line's. */
export function snapshotAges(list: readonly Snapshot[], now = new Date()) {
  return list.map((snapshot) => ({
    id: snapshot.short_id,
    time: snapshot.time,
    tags: snapshot.tags ?? [],
    ageHours: (now.getTime() - Date.parse(snapshot.time)) / 3_600_000,
  }));
}
