/**
 * The homes' backup with the real restic (the pinned version of the CronJobs' image), running the
 * CronJob's own script on a sample export: two users' homes as the NFS provisioner names them.
 * A file changed and one deleted after a backup come back from a point-in-time restore, which goes
 * into a folder of its own and then copies into the live home only what it lacks; retention
 * prunes; a wrong password is refused and never re-creates the repository.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { restic, snapshots } from "../../backup/restic";
import { HOME_TAG, mergeIntoHome, restoreUserHome, snapshotAt } from "../../backup/restore";
import { BACKUP_SCRIPT, RESTIC_EXIT } from "../../components/cluster/backup-scripts";
import { ensureRestic, jobEnv, runScript, type Scratch, scratch } from "./support";

let s: Scratch;
let exportDir: string;
let repository: string;
const ALICE = "jupyterhub-claim-alice-pvc-3f2a9c1e-0b7d-4c1a-9e55-1d2c3b4a5f60";
const BOB = "jupyterhub-claim-bob-pvc-7e1d2c3b-4a5f-4e6d-8c7b-9a8b7c6d5e4f";
const home = () => path.join(exportDir, ALICE);
const backup = (keep?: { daily: number; weekly: number; monthly: number }) =>
  runScript(BACKUP_SCRIPT, jobEnv(s, repository, HOME_TAG, exportDir, keep));
const tool = () => restic(jobEnv(s, repository, HOME_TAG, exportDir));

function write(file: string, text: string) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

before(() => {
  s = scratch("backup-home-", ensureRestic());
  exportDir = path.join(s.dir, "export");
  repository = path.join(s.dir, "repository", "home");
  write(path.join(home(), "course", "lab1.ipynb"), '{"cells": ["first version"]}\n');
  write(path.join(home(), "course", "data.csv"), "x,y\n1,2\n");
  write(path.join(home(), "notes.md"), "unchanged\n");
  write(path.join(exportDir, BOB, "thesis.tex"), "bob's\n");
});

after(() => rmSync(s.dir, { recursive: true, force: true }));

describe("the homes' backup and a point-in-time restore with the real restic", () => {
  let first: string;

  test("the first run creates the encrypted repository and a snapshot of every home", () => {
    const result = backup();
    assert.equal(result.status, 0, result.stderr);
    const list = snapshots(tool(), HOME_TAG);
    assert.equal(list.length, 1);
    first = list[0]?.time ?? "";
    assert.deepEqual(list[0]?.paths, [exportDir]);
    // Encrypted: no file of the repository holds a home's text.
    const files = tool().run(["ls", "--no-lock", "latest"]).stdout;
    assert.match(files, /thesis\.tex/);
    const raw = runScript(`grep -rl "bob's" ${repository} || true`, { PATH: s.path });
    assert.equal(raw.stdout.trim(), "", "plaintext in the repository");
  });

  test("a file changed and one deleted after the backup; a second backup; a point-in-time restore recovers the first state into its own folder", () => {
    writeFileSync(path.join(home(), "course", "lab1.ipynb"), '{"cells": ["newer work"]}\n');
    unlinkSync(path.join(home(), "course", "data.csv"));
    write(path.join(home(), "new.txt"), "written after the backup\n");
    assert.equal(backup().status, 0);
    const list = snapshots(tool(), HOME_TAG);
    assert.equal(list.length, 2);
    const between = new Date((Date.parse(first) + Date.parse(list[1]?.time ?? "")) / 2);
    assert.equal(snapshotAt(list, between)?.time, first);

    const target = path.join(s.dir, "restored");
    const restored = restoreUserHome(tool(), "alice", target, between);
    assert.equal(restored.snapshot.time, first);
    assert.deepEqual(
      restored.directories.map((d) => d.name),
      [ALICE],
      "only alice's home, not bob's",
    );
    const dir = restored.directories[0]?.restoredTo ?? "";
    assert.equal(readFileSync(path.join(dir, "course", "data.csv"), "utf8"), "x,y\n1,2\n");
    assert.equal(
      readFileSync(path.join(dir, "course", "lab1.ipynb"), "utf8"),
      '{"cells": ["first version"]}\n',
    );
    assert.equal(existsSync(path.join(dir, "new.txt")), false);
    // The live home is untouched by the restore itself.
    assert.equal(existsSync(path.join(home(), "course", "data.csv")), false);

    assert.throws(() => restoreUserHome(tool(), "alice", target, between), /not empty/);

    const before = statSync(path.join(home(), "course", "lab1.ipynb")).mtimeMs;
    const report = mergeIntoHome(dir, home());
    assert.deepEqual(report.copied, [path.join("course", "data.csv")]);
    assert.deepEqual(report.kept, [path.join("course", "lab1.ipynb")]);
    assert.equal(readFileSync(path.join(home(), "course", "data.csv"), "utf8"), "x,y\n1,2\n");
    assert.equal(
      readFileSync(path.join(home(), "course", "lab1.ipynb"), "utf8"),
      '{"cells": ["newer work"]}\n',
    );
    assert.equal(statSync(path.join(home(), "course", "lab1.ipynb")).mtimeMs, before);
    assert.equal(readFileSync(path.join(home(), "new.txt"), "utf8"), "written after the backup\n");
  });

  test("the latest restore (no --at) has the newer work; a user without a home, or a time before the first snapshot, is an error", () => {
    const restored = restoreUserHome(tool(), "alice", path.join(s.dir, "latest"));
    const dir = restored.directories[0]?.restoredTo ?? "";
    assert.equal(readFileSync(path.join(dir, "course", "lab1.ipynb"), "utf8"), '{"cells": ["newer work"]}\n');
    assert.throws(
      () => restoreUserHome(tool(), "carol", path.join(s.dir, "carol")),
      /holds no home of carol/,
    );
    assert.throws(
      () => restoreUserHome(tool(), "alice", path.join(s.dir, "early"), new Date("2000-01-01T00:00:00Z")),
      /no snapshot at or before 2000-01-01/,
    );
  });

  test("a wrong password is refused (exit 12): no snapshot, and the repository is not re-created", () => {
    const env = { ...jobEnv(s, repository, HOME_TAG, exportDir), RESTIC_PASSWORD_FILE: s.wrongPasswordFile };
    const result = runScript(BACKUP_SCRIPT, env);
    assert.equal(result.status, RESTIC_EXIT.wrongPassword, result.stderr);
    assert.match(result.stderr, /wrong password/);
    assert.equal(snapshots(tool(), HOME_TAG).length, 2);
  });

  test("retention: each run forgets by the policy and prunes, so a removed snapshot's data leaves the repository", () => {
    const size = () => Number(runScript(`du -sb ${repository} | cut -f1`, { PATH: s.path }).stdout.trim());
    const [oldest, middle] = snapshots(tool(), HOME_TAG).map((snapshot) => snapshot.id);
    // 2 MB that only the next snapshot holds.
    const bulk = path.join(home(), "bulk.bin");
    writeFileSync(bulk, randomBytes(2 << 20));
    assert.equal(backup().status, 0);
    // keep-daily 7 with one day so far: the day's last and (restic >= 0.19) the oldest; the middle one goes.
    let ids = snapshots(tool(), HOME_TAG).map((snapshot) => snapshot.id);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], oldest);
    assert.equal(ids.includes(middle ?? ""), false);
    const withBulk = size();

    unlinkSync(bulk);
    assert.equal(backup({ daily: 1, weekly: 0, monthly: 0 }).status, 0);
    ids = snapshots(tool(), HOME_TAG).map((snapshot) => snapshot.id);
    assert.equal(ids.length, 1, "keep-daily 1: only the latest");
    assert.ok(withBulk - size() > 1.5 * (1 << 20), `pruned: ${withBulk} -> ${size()} bytes`);
    assert.equal(tool().tryRun(["check"]).status, 0, "the repository is consistent after pruning");
  });
});
