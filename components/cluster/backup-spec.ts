/**
 * The backup jobs as plain values: read-only volumes of the NFS exports (a static volume and claim
 * each, so the pods pass Pod Security "restricted", which refuses inline nfs volumes), and one
 * CronJob per source running restic (backup-scripts.ts). Pure; backup.ts makes them resources.
 *
 * Least privilege: the jobs call no Kubernetes API (no token), run as the notebook user (every
 * home's files are its own: user pods all run as singleuser.uid) or as postgres's user, never as
 * root, with every capability dropped and a read-only root filesystem; the exports are mounted
 * read-only twice over (the volume and the mount).
 */
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { DATABASE, NAMES, PLATFORM_LABELS, PORTS } from "../names";
import { containerResources, restrictedContainer, restrictedPod, secretEnv } from "../pod-defaults";
import { mountedVolume } from "../volumes";
import { type BackupSource, backupLabels } from "./backup-policy-rules";
import { BACKUP_HOST, BACKUP_SCRIPT, DUMP_SCRIPT } from "./backup-scripts";
import { datasetsNfsServer, homeNfsServer } from "./nfs-settings";

export type BackupConfig = Pick<PlatformConfig, "backup" | "storage" | "singleuser" | "database" | "cluster">;

/** Rendered where the repository is not set yet; `pulumi up` refuses to run without it. */
export const REPOSITORY_PLACEHOLDER = "repository-not-set";
/** The Secrets' keys: the repository's password (restic's key) and the hub database's password. */
export const BACKUP_SECRET_KEYS = {
  resticPassword: "restic-password",
  databasePassword: "password",
} as const;
/** The Secrets' names in the backup namespace. */
export const BACKUP_SECRETS = { repository: "backup-repository", database: "backup-hub-db" } as const;

const POSTGRES_UID = 999; // the postgres user of the official image, as the database's pod
const RESOURCES = { cpu: { request: "100m", limit: "1" }, memory: { request: "256Mi", limit: "2Gi" } };
const PASSWORD_DIR = "/run/secrets/restic";
/** A run the CronJob controller could not start this long after its time is skipped (and missed). */
export const BACKUP_STARTING_DEADLINE_SECONDS = 3600;

/** The restic repository of one source: a repository below the configured URL. */
export function sourceRepository(config: Pick<PlatformConfig, "backup">, source: BackupSource): string {
  const url = config.backup.repository.url ?? REPOSITORY_PLACEHOLDER;
  return `${url.replace(/\/+$/, "")}/${source}`;
}

/** A Secret of the backup namespace, each value marked secret (masked in previews and renders). */
export function backupSecret(
  name: string,
  namespace: pulumi.Input<string>,
  data: Record<string, pulumi.Input<string>>,
) {
  return {
    metadata: { name, namespace, labels: { ...PLATFORM_LABELS } },
    type: "Opaque",
    stringData: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, pulumi.secret(value)])),
  };
}

/** A read-only static volume of an NFS export, bound only to the backup namespace's claim. */
export function exportVolume(name: string, server: string, path: string, namespace: pulumi.Input<string>) {
  return {
    metadata: { name, labels: { ...PLATFORM_LABELS } },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadOnlyMany"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      nfs: { server, path, readOnly: true },
      claimRef: { namespace, name },
      mountOptions: ["ro"],
    },
  };
}

/** The claim of an export volume (its nominal size: NFS ignores it). */
export function exportClaim(name: string, namespace: pulumi.Input<string>, volumeName: pulumi.Input<string>) {
  return {
    metadata: { name, namespace, labels: { ...PLATFORM_LABELS } },
    spec: {
      accessModes: ["ReadOnlyMany"],
      storageClassName: "",
      volumeName,
      resources: { requests: { storage: "1Gi" } },
    },
  };
}

/** The exports the file jobs read: the homes, and the datasets unless they are off. */
export function exportVolumes(config: BackupConfig, namespace: pulumi.Input<string>) {
  const { storage } = config;
  const volumes: { source: "home" | "datasets"; volume: ReturnType<typeof exportVolume> }[] = [
    {
      source: "home",
      volume: exportVolume(
        `${config.backup.namespace}-home`,
        homeNfsServer(config),
        storage.nfs.path,
        namespace,
      ),
    },
  ];
  if (storage.datasets.enabled) {
    const server = datasetsNfsServer(config);
    volumes.push({
      source: "datasets",
      volume: exportVolume(`${config.backup.namespace}-datasets`, server, storage.datasets.path, namespace),
    });
  }
  return volumes;
}

/** What each job's restic container reads: repository, password file, retention, credentials. */
function resticEnv(config: BackupConfig, source: BackupSource) {
  const { retention, repository } = config.backup;
  return [
    { name: "RESTIC_REPOSITORY", value: sourceRepository(config, source) },
    { name: "RESTIC_PASSWORD_FILE", value: `${PASSWORD_DIR}/${BACKUP_SECRET_KEYS.resticPassword}` },
    { name: "RESTIC_CACHE_DIR", value: "/cache" },
    { name: "TMPDIR", value: "/tmp" },
    { name: "BACKUP_HOST", value: BACKUP_HOST },
    { name: "BACKUP_TAG", value: source },
    { name: "KEEP_DAILY", value: String(retention.daily) },
    { name: "KEEP_WEEKLY", value: String(retention.weekly) },
    { name: "KEEP_MONTHLY", value: String(retention.monthly) },
    ...Object.keys(repository.credentials)
      .sort()
      .map((env) => secretEnv(env, BACKUP_SECRETS.repository, env)),
  ];
}

/** Where a job's data is: the export's claim, or (database) the emptyDir the dump is written to. */
type Data = { readonly claim: pulumi.Input<string> } | { readonly dump: true };

/** One source's CronJob: restic backs up /data/<source> and applies the retention. */
export function backupCronJob(
  config: BackupConfig,
  source: BackupSource,
  namespace: pulumi.Input<string>,
  data: Data,
) {
  const { backup, singleuser } = config;
  const dumping = "dump" in data;
  const uid = dumping ? POSTGRES_UID : singleuser.uid;
  const dataDir = `/data/${source}`;
  const dataVolume = dumping
    ? mountedVolume("data", { emptyDir: { sizeLimit: "5Gi" } }, { mountPath: dataDir })
    : mountedVolume(
        "data",
        { persistentVolumeClaim: { claimName: data.claim, readOnly: true } },
        { mountPath: dataDir, readOnly: true },
      );
  const password = mountedVolume(
    "restic-password",
    {
      secret: {
        secretName: BACKUP_SECRETS.repository,
        items: [{ key: BACKUP_SECRET_KEYS.resticPassword, path: BACKUP_SECRET_KEYS.resticPassword }],
        defaultMode: 0o440,
      },
    },
    { mountPath: PASSWORD_DIR, readOnly: true },
  );
  const cache = mountedVolume("cache", { emptyDir: {} }, { mountPath: "/cache" });
  const tmp = mountedVolume("tmp", { emptyDir: {} }, { mountPath: "/tmp" });
  const security = {
    ...restrictedContainer(uid),
    runAsGroup: dumping ? POSTGRES_UID : singleuser.gid,
    readOnlyRootFilesystem: true,
  };
  const restic = {
    name: "restic",
    image: backup.image,
    command: ["sh", "-c", BACKUP_SCRIPT],
    env: [...resticEnv(config, source), { name: "BACKUP_SOURCE", value: dataDir }],
    resources: containerResources(RESOURCES),
    securityContext: security,
    volumeMounts: [dataVolume.mount, password.mount, cache.mount, tmp.mount],
  };
  const metadata = { name: `backup-${source}`, namespace, labels: backupLabels(source) };
  return {
    metadata,
    spec: {
      schedule: backup[source].schedule,
      timeZone: backup.timeZone,
      // One run at a time per source: restic's prune needs the repository to itself.
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: BACKUP_STARTING_DEADLINE_SECONDS,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        metadata: { labels: backupLabels(source) },
        spec: {
          backoffLimit: 1,
          activeDeadlineSeconds: backup.deadlineSeconds,
          template: {
            metadata: { labels: backupLabels(source) },
            spec: {
              restartPolicy: "Never",
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: { ...restrictedPod(uid), runAsUser: uid, runAsGroup: security.runAsGroup },
              ...(dumping ? { initContainers: [dumpContainer(config, dataVolume.mount)] } : {}),
              containers: [restic],
              volumes: [dataVolume.volume, password.volume, cache.volume, tmp.volume],
            },
          },
        },
      },
    },
  };
}

/** The database job's init container: pg_dump of the database's own image (the server's version). */
function dumpContainer(config: BackupConfig, dump: { readonly name: string; readonly mountPath: string }) {
  const image =
    config.database.type === "postgres" ? config.database.image : "docker.io/library/postgres:16.6";
  return {
    name: "pg-dump",
    image,
    command: ["sh", "-c", DUMP_SCRIPT],
    env: [
      { name: "PGHOST", value: `${NAMES.hubDatabase}.${config.cluster.namespace}.svc` },
      { name: "PGPORT", value: String(PORTS.postgres) },
      { name: "PGUSER", value: DATABASE.user },
      { name: "PGDATABASE", value: DATABASE.name },
      secretEnv("PGPASSWORD", BACKUP_SECRETS.database, BACKUP_SECRET_KEYS.databasePassword),
      { name: "DUMP_DIR", value: dump.mountPath },
    ],
    resources: containerResources(RESOURCES),
    securityContext: { ...restrictedContainer(POSTGRES_UID), readOnlyRootFilesystem: true },
    volumeMounts: [dump],
  };
}
