/**
 * A home with a file the job cannot read (the CronJob runs as the notebook user, not root): the
 * CronJob's script keeps the snapshot of everything else, still applies the retention, and fails
 * with restic's exit 3, so the run shows as failed. Run as an unprivileged user (`nobody` through
 * setpriv when the tests run as root, since root reads every file).
 */
import assert from "node:assert/strict";
import { chmodSync, chownSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { restic, snapshots } from "../../backup/restic";
import { BACKUP_SCRIPT, RESTIC_EXIT } from "../../components/cluster/backup-scripts";
import { ensureRestic, jobEnv, runScript, type Scratch, scratch } from "./support";

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
let s: Scratch;
let exportDir: string;
let repository: string;
let binDir: string;

before(() => {
  const binary = ensureRestic();
  s = scratch("backup-unreadable-", binary);
  // A copy the job's user can run (the cache under root's home is not theirs to read).
  binDir = path.join(s.dir, "job-bin");
  mkdirSync(binDir);
  copyFileSync(binary, path.join(binDir, "restic"));
  chmodSync(path.join(binDir, "restic"), 0o755);
  exportDir = path.join(s.dir, "export");
  const home = path.join(exportDir, "jupyterhub-claim-alice-pvc-0a1b2c3d");
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, "readable.txt"), "fine\n");
  const secret = path.join(home, "unreadable.txt");
  writeFileSync(secret, "not for the job\n");
  repository = path.join(s.dir, "repository");
  mkdirSync(repository);
  if (asRoot) {
    // The job's user owns the repository, its password and cache; the file stays root's, mode 600.
    for (const file of [repository, s.passwordFile]) chownSync(file, NOBODY, NOBODY);
    chmodSync(secret, 0o600);
  } else {
    chmodSync(secret, 0o000);
  }
});

after(() => rmSync(s.dir, { recursive: true, force: true }));

describe("a backup that cannot read every file", () => {
  test("keeps the snapshot of the rest, applies the retention and fails with exit 3", () => {
    const env = {
      ...jobEnv(s, path.join(repository, "home"), "home", exportDir),
      PATH: `${binDir}:/usr/bin:/bin`,
      RESTIC_CACHE_DIR: path.join(repository, "cache"),
    };
    const script = asRoot
      ? `exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups sh -c '${BACKUP_SCRIPT.replace(/'/g, "'\\''")}'`
      : BACKUP_SCRIPT;
    const result = runScript(script, env);
    assert.equal(result.status, RESTIC_EXIT.incomplete, result.stderr);
    assert.match(result.stderr, /unreadable\.txt/);
    assert.match(result.stderr, /some files could not be read/);
    const tool = restic(jobEnv(s, path.join(repository, "home"), "home", exportDir));
    const [snapshot] = snapshots(tool, "home");
    assert.ok(snapshot, "the snapshot was kept");
    const files = tool.run(["ls", "--no-lock", snapshot.id]).stdout;
    assert.match(files, /readable\.txt/);
    assert.doesNotMatch(files, /unreadable\.txt/);
  });
});
