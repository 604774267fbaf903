/**
 * Backups of the users' homes, the shared datasets and the hub's database: restic in CronJobs of a
 * namespace of their own (components/cluster/backup.ts, docs/operations.md "Backups and restore").
 */
import { z } from "zod";
import { cidr, dnsLabel, pinnedImage, port } from "./common";

/** A five-field cron schedule as CronJob accepts it (no seconds, no `@every`). */
const schedule = z
  .string()
  .regex(/^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$/, {
    message: 'must be a cron schedule such as "0 2 * * *" (five fields) or @daily',
  });

const source = (defaultSchedule: string, what: string) =>
  z
    .strictObject({
      enabled: z.boolean().default(true),
      schedule: schedule
        .default(defaultSchedule)
        .describe(`When ${what} is backed up (cron, backup.timeZone).`),
    })
    .prefault({});

const keep = (fallback: number, what: string) =>
  z
    .number()
    .int()
    .min(0)
    .default(fallback)
    .describe(`Snapshots kept: the last of each of this many ${what} (restic forget --keep-${what}).`);

export const backupSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    namespace: dnsLabel
      .default("jupyterhub-backup")
      .describe(
        "Namespace of the backup jobs: their own, so no pod the hub creates can mount the repository's credentials.",
      ),
    image: pinnedImage
      .default("docker.io/restic/restic:0.19.1")
      .describe("restic's upstream image; the same version as the restic the tests run (sim/tools/restic)."),
    timeZone: z.string().default("Etc/UTC").describe("Time zone of the schedules (CronJob timeZone)."),
    repository: z
      .strictObject({
        url: z
          .string()
          .min(1)
          .optional()
          .describe(
            "restic repository, e.g. s3:https://s3.example.org/bucket/jupyterhub or rest:https://backup.example.org:8000/jupyterhub; each source is a repository below it (/home, /datasets, /database). Required before deploy.",
          ),
        addresses: z
          .array(cidr)
          .default([])
          .describe(
            "Where the repository answers: the only addresses the backup jobs may reach besides DNS.",
          ),
        port: port.default(443).describe("The repository's TCP port."),
        passwordSecretKey: z
          .string()
          .min(1)
          .optional()
          .describe(
            "Pulumi secret config key holding the repositories' restic password; without it one is generated (@pulumi/random) and a new stack state generates another (docs/operations.md).",
          ),
        credentials: z
          .record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string().min(1))
          .default({})
          .describe(
            "Environment variables restic reads for the repository (e.g. AWS_ACCESS_KEY_ID), each naming the Pulumi secret config key that holds its value.",
          ),
      })
      .prefault({}),
    retention: z
      .strictObject({
        daily: keep(7, "daily"),
        weekly: keep(5, "weekly"),
        monthly: keep(12, "monthly"),
      })
      .prefault({})
      .describe("What `restic forget --prune` keeps after each backup; older snapshots are removed."),
    home: source("15 2 * * *", "every user's home"),
    datasets: source("45 3 * * 0", "the shared datasets export"),
    database: source("0 2 * * *", "the hub's database (pg_dump)"),
    deadlineSeconds: z
      .number()
      .int()
      .min(60)
      .default(6 * 3600)
      .describe("A backup running longer fails (Job activeDeadlineSeconds), so a hung job is visible."),
  })
  .prefault({})
  .describe("Scheduled, incremental, encrypted backups with restic (docs/operations.md).");
