/**
 * Network policies of the backup namespace, and the one rule the hub's namespace adds for them
 * (the database job's connection to `hub-db`). The jobs read every home: they may reach CoreDNS
 * and the repository's addresses on its port, the dump job also the database, nothing else. Their
 * NFS mounts need no rule (the kubelet mounts the exports on the host, outside the pod's network).
 * Pure, like network-policy-rules.ts, whose types these are.
 */
import type { PlatformConfig } from "../../config/schema/platform";
import { labels, PORTS, selectorLabels } from "../names";
import { DNS, tcp } from "./network-peers";
import type { IngressRule, NetworkPolicyRules, PolicyPeer } from "./network-policy-rules";

export type BackupSource = "home" | "datasets" | "database";

/** The label that tells the jobs apart (their pods carry it, and the policies select on it). */
export const BACKUP_SOURCE_LABEL = "app.kubernetes.io/instance";

/** The pods of one source's job: the component's selector labels plus the source. */
export function backupSelector(source: BackupSource): Record<string, string> {
  return { ...selectorLabels("backup"), [BACKUP_SOURCE_LABEL]: `backup-${source}` };
}

/** Every label of one source's objects and pods. */
export function backupLabels(source: BackupSource): Record<string, string> {
  return labels("backup", { [BACKUP_SOURCE_LABEL]: `backup-${source}` });
}

type Config = Pick<PlatformConfig, "backup" | "cluster">;

const namespaceOf = (name: string): PolicyPeer["namespaceSelector"] => ({
  matchLabels: { "kubernetes.io/metadata.name": name },
});

/** The backup namespace: closed; the jobs reach DNS and the repository, the dump job the database. */
export function backupPolicyRules(config: Config): NetworkPolicyRules[] {
  const { repository } = config.backup;
  const both = ["Ingress", "Egress"] as const;
  const rules: NetworkPolicyRules[] = [
    {
      name: "default-deny",
      description: "Nothing in the namespace sends or receives anything no other policy allows.",
      podSelector: {},
      policyTypes: both,
      ingress: [],
      egress: [],
    },
    {
      name: "backup",
      description: "The backup jobs: CoreDNS and the repository's addresses on its port, nothing else.",
      podSelector: { matchLabels: selectorLabels("backup") },
      policyTypes: both,
      ingress: [],
      egress: [
        DNS,
        ...(repository.addresses.length > 0
          ? [{ to: repository.addresses.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(repository.port) }]
          : []),
      ],
    },
  ];
  if (config.backup.database.enabled) {
    rules.push({
      name: "backup-database",
      description: "The database's backup job also reaches the hub's database, to dump it.",
      podSelector: { matchLabels: backupSelector("database") },
      policyTypes: both,
      ingress: [],
      egress: [
        {
          to: [
            {
              namespaceSelector: namespaceOf(config.cluster.namespace),
              podSelector: { matchLabels: selectorLabels("hub-db") },
            },
          ],
          ports: tcp(PORTS.postgres),
        },
      ],
    });
  }
  return rules;
}

/**
 * The hub database's extra ingress: the database's backup job, from the backup namespace. Nothing
 * when backups (or the database's) are off, or the section is not given (tests of other parts).
 */
export function backupDatabaseClients(config: Partial<Pick<PlatformConfig, "backup">>): IngressRule[] {
  const backup = config.backup;
  if (!backup?.enabled || !backup.database.enabled) return [];
  return [
    {
      from: [
        {
          namespaceSelector: namespaceOf(backup.namespace),
          podSelector: { matchLabels: backupSelector("database") },
        },
      ],
      ports: tcp(PORTS.postgres),
    },
  ];
}
