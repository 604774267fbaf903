/**
 * What the backup jobs' containers run, as POSIX shell (busybox sh in restic's image, dash or bash
 * elsewhere). Pure strings: the CronJobs render them (backup-spec.ts) and the tests run the very
 * same text with the real restic and PostgreSQL on this machine (test/backup/), so what is tested
 * is what runs.
 *
 * Environment (set by the CronJob, or by a test):
 * - RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE, RESTIC_CACHE_DIR, and the repository's own
 *   credentials (AWS_ACCESS_KEY_ID, ...), read by restic itself;
 * - BACKUP_SOURCE (the folder to back up), BACKUP_TAG (home, datasets, database), BACKUP_HOST;
 * - KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY (retention);
 * - for the dump: PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, DUMP_DIR.
 */

/** restic's exit codes (restic >= 0.17, `restic help`). */
export const RESTIC_EXIT = {
  /** `restic backup`: a snapshot was made, but some source files could not be read. */
  incomplete: 3,
  /** The repository does not exist. */
  noRepository: 10,
  /** Wrong password, or no key found. */
  wrongPassword: 12,
} as const;

/** Every snapshot's host name: a fixed one, so retention groups the runs of one source together. */
export const BACKUP_HOST = "jupyterhub-backup";

/** The dump's file name inside DUMP_DIR, and so its path in the database's snapshots. */
export const DUMP_FILE = "jupyterhub.dump";

/**
 * One backup run of BACKUP_SOURCE, then retention. Only a repository that does not exist yet is
 * created (the first run); a wrong password or an unreachable repository fails the job. A backup
 * that could not read some files (exit 3) still made a snapshot: retention runs, and the job still
 * fails, so the operator sees it.
 */
export const BACKUP_SCRIPT = [
  "set -eu",
  "rc=0",
  "restic cat config >/dev/null || rc=$?",
  `if [ "$rc" -eq ${RESTIC_EXIT.noRepository} ]; then`,
  "  restic init",
  'elif [ "$rc" -ne 0 ]; then',
  '  echo "backup: the repository refused us (restic exit $rc)" >&2',
  '  exit "$rc"',
  "fi",
  "rc=0",
  'restic backup --host "$BACKUP_HOST" --tag "$BACKUP_TAG" --exclude-caches "$BACKUP_SOURCE" || rc=$?',
  `if [ "$rc" -ne 0 ] && [ "$rc" -ne ${RESTIC_EXIT.incomplete} ]; then exit "$rc"; fi`,
  'restic forget --host "$BACKUP_HOST" --tag "$BACKUP_TAG" --group-by host,tags \\',
  '  --keep-daily "$KEEP_DAILY" --keep-weekly "$KEEP_WEEKLY" --keep-monthly "$KEEP_MONTHLY" --prune',
  'if [ "$rc" -ne 0 ]; then echo "backup: some files could not be read (see above); the snapshot lacks them" >&2; fi',
  'exit "$rc"',
].join("\n");

/**
 * The database's consistent dump (pg_dump reads one snapshot of a running server) into DUMP_DIR,
 * under a temporary name first, so a failed dump never leaves a file that looks complete. Custom
 * format, uncompressed: restic compresses and deduplicates it, and pg_restore can restore it
 * whole or in part.
 */
export const DUMP_SCRIPT = [
  "set -eu",
  `pg_dump --format=custom --compress=0 --file="$DUMP_DIR/${DUMP_FILE}.partial"`,
  `mv "$DUMP_DIR/${DUMP_FILE}.partial" "$DUMP_DIR/${DUMP_FILE}"`,
].join("\n");

/**
 * A full restore of the database from a dump file (docs/operations.md): every object of the dump
 * is dropped and recreated in one transaction, so a failure leaves the database as it was.
 * Run with the hub stopped; PG* as for the dump, DUMP_PATH the dump.
 */
export const DATABASE_RESTORE_SCRIPT = [
  "set -eu",
  'pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error --dbname="$PGDATABASE" "$DUMP_PATH"',
].join("\n");
