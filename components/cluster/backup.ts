/**
 * Backups: restic CronJobs for the homes, the datasets and the hub's database, in a namespace of
 * their own (Pod Security restricted, closed but for DNS, the repository and the database),
 * assembled from backup-spec.ts. The repository's password is generated here (@pulumi/random, a
 * Pulumi secret); the repository's own credentials come from Pulumi secret config.
 *
 * Its namespace is not the hub's: a pod the hub creates could mount any Secret of the hub's
 * namespace, and these credentials open every user's backed-up work (docs/operations.md).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { backupPolicyRules } from "./backup-policy-rules";
import {
  BACKUP_SECRET_KEYS,
  BACKUP_SECRETS,
  type BackupConfig,
  backupCronJob,
  backupSecret,
  exportClaim,
  exportVolumes,
} from "./backup-spec";
import { podSecurityNamespace } from "./namespace";
import { networkPolicy } from "./network-policies";

export interface BackupArgs {
  readonly config: BackupConfig;
  /** The hub database's password (Secret `hub-db`), for the dump; absent with an external database. */
  readonly databasePassword?: pulumi.Output<string>;
  /** The repository's credentials by environment variable (backup.repository.credentials). */
  readonly credentials: Readonly<Record<string, pulumi.Output<string>>>;
  /** The restic password from the stack (backup.repository.passwordSecretKey); else one is generated. */
  readonly password?: pulumi.Output<string>;
}

export class Backup extends pulumi.ComponentResource {
  /** The jobs' namespace, for what monitoring places in it (kube-state-metrics' Role). */
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:cluster:Backup", name, {}, opts);
    const child = { parent: this };
    const { config } = args;
    const { backup } = config;
    // `pulumi destroy` keeps the namespace (and the jobs' history). Not the repository's Secret: a
    // kept Secret with a generated password would make the next `up` fail on its changed value.
    // Without the password no snapshot can be read: escrow a key, or supply it (docs/operations.md).
    const keep = { ...child, retainOnDelete: true };
    const namespace = podSecurityNamespace(`${name}-namespace`, backup.namespace, "restricted", keep).metadata
      .name;
    for (const rules of backupPolicyRules(config)) {
      networkPolicy(`${name}-netpol-${rules.name}`, rules, namespace, child);
    }
    const password =
      args.password ??
      new random.RandomPassword(`${name}-password`, { length: 48, special: false }, child).result;
    const secret = (key: string, data: Record<string, pulumi.Input<string>>, options = child) =>
      new k8s.core.v1.Secret(`${name}-secret-${key}`, backupSecret(key, namespace, data), options);
    const repository = secret(BACKUP_SECRETS.repository, {
      [BACKUP_SECRET_KEYS.resticPassword]: password,
      ...args.credentials,
    });
    const after = { ...child, dependsOn: [repository] };

    for (const { source, volume } of exportVolumes(config, namespace)) {
      if (!backup[source].enabled) continue;
      const pv = new k8s.core.v1.PersistentVolume(`${name}-${source}-volume`, volume, child);
      const claim = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-${source}-claim`,
        exportClaim(volume.metadata.name, namespace, pv.metadata.name),
        child,
      );
      new k8s.batch.v1.CronJob(
        `${name}-${source}`,
        backupCronJob(config, source, namespace, { claim: claim.metadata.name }),
        after,
      );
    }
    if (backup.database.enabled && args.databasePassword) {
      const database = secret(BACKUP_SECRETS.database, {
        [BACKUP_SECRET_KEYS.databasePassword]: args.databasePassword,
      });
      const dumpAfter = { ...child, dependsOn: [repository, database] };
      new k8s.batch.v1.CronJob(
        `${name}-database`,
        backupCronJob(config, "database", namespace, { dump: true }),
        dumpAfter,
      );
    }
    this.namespace = namespace;
    this.registerOutputs({ namespace: this.namespace });
  }
}
