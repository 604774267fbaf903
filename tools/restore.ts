/**
 * npm run restore -- --user NAME [--at TIME] [--target DIR] [--into HOME]: one user's home from the
 * homes' restic repository into a folder of its own; with --into, then copies into the live home
 * only the files it lacks. npm run restore -- --list [--source home|datasets|database]: the
 * snapshots and the last one's age. docs/operations.md, "Backups and restore".
 */
import path from "node:path";
import { ResticError, restic, snapshots } from "../backup/restic";
import { mergeIntoHome, restoreUserHome, snapshotAges } from "../backup/restore";
import { fail, loadOrExit, PROJECT_ROOT, parseCommandLine, runCommand } from "../cli/command";
import { sourceRepository } from "../components/cluster/backup-spec";

const USAGE = `usage: npm run restore -- --user NAME [--at TIME] [--target DIR] [--into HOME_DIR] [--stack NAME]
       npm run restore -- --list [--source home|datasets|database] [--stack NAME]
The repository: $RESTIC_REPOSITORY, else the stack's backup.repository.url + /<source>.
Its password: $RESTIC_PASSWORD_FILE (kubectl get secret -n jupyterhub-backup backup-repository
  -o jsonpath='{.data.restic-password}' | base64 -d > pw; chmod 600 pw), and the repository's
  credentials in restic's variables (AWS_ACCESS_KEY_ID, ...).`;

runCommand(() => {
  try {
    main();
  } catch (error) {
    // A refusal of restic (wrong password, no repository, unreachable) is the operator's to fix, not a bug.
    if (error instanceof ResticError) fail(error.message);
    throw error;
  }
});

function main(): void {
  const { values } = parseCommandLine(USAGE, {
    user: { type: "string" },
    at: { type: "string" },
    target: { type: "string" },
    into: { type: "string" },
    list: { type: "boolean" },
    source: { type: "string", default: "home" },
    stack: { type: "string", default: "prod" },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const source = values.source as string;
  if (!["home", "datasets", "database"].includes(source))
    fail(`--source ${source}: home, datasets or database\n${USAGE}`);
  let repository = process.env.RESTIC_REPOSITORY;
  if (!repository) {
    const { config } = loadOrExit(values.stack as string);
    if (!config.backup.repository.url)
      fail(`no $RESTIC_REPOSITORY and stack "${values.stack}" sets no backup.repository.url`);
    repository = sourceRepository(config, source as "home");
  }
  if (
    !process.env.RESTIC_PASSWORD_FILE &&
    !process.env.RESTIC_PASSWORD &&
    !process.env.RESTIC_PASSWORD_COMMAND
  )
    fail(`the repository's password is needed: set RESTIC_PASSWORD_FILE\n${USAGE}`);
  const tool = restic({ ...process.env, RESTIC_REPOSITORY: repository });

  if (values.list) {
    const ages = snapshotAges(snapshots(tool));
    for (const row of ages)
      console.log(`${row.id}  ${row.time}  ${row.tags.join(",")}  ${row.ageHours.toFixed(1)} h ago`);
    const last = ages.at(-1);
    console.log(
      last ? `last snapshot: ${last.time}, ${last.ageHours.toFixed(1)} hours ago` : "no snapshot yet",
    );
    return;
  }
  const user = values.user as string | undefined;
  if (!user) fail(`--user NAME is needed\n${USAGE}`);
  const at = values.at ? new Date(values.at as string) : undefined;
  if (at && Number.isNaN(at.getTime()))
    fail(`--at ${values.at}: not a time (e.g. 2026-11-28T18:00:00+01:00)`);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const target = path.resolve(
    (values.target as string | undefined) ?? path.join(PROJECT_ROOT, ".work", "restore", `${user}-${stamp}`),
  );
  let restored: ReturnType<typeof restoreUserHome>;
  try {
    restored = restoreUserHome(tool, user, target, at);
  } catch (error) {
    fail((error as Error).message);
  }
  console.log(`snapshot ${restored.snapshot.short_id} of ${restored.snapshot.time}`);
  for (const dir of restored.directories) console.log(`restored ${dir.name} into ${dir.restoredTo}`);
  if (!values.into) {
    console.log(
      "nothing in the live home was touched; to copy back only what it lacks, run again with --into <home dir>",
    );
    return;
  }
  const [only, ...more] = restored.directories;
  if (!only || more.length > 0)
    fail(
      `${restored.directories.length} directories of ${user}: copy one by hand (their restore folders are above)`,
    );
  const report = mergeIntoHome(only.restoredTo, path.resolve(values.into as string));
  for (const file of report.copied) console.log(`copied back: ${file}`);
  for (const file of report.kept)
    console.log(`kept the home's (it differs; the backup's is in ${only.restoredTo}): ${file}`);
  console.log(`${report.copied.length} copied, ${report.kept.length} kept as they are`);
}
