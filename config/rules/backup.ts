/** Backups: where the repository is must be known before a deploy, and it is the jobs' only destination. */
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";

/**
 * With backups on, `pulumi up` needs the repository (render and preview show `repository-not-set`)
 * and its addresses: the jobs reach nothing else, so without them every backup would fail.
 */
export function backupRepositoryIsSet(config: PlatformConfig): RuleIssue[] {
  const { backup } = config;
  if (!backup.enabled) return [];
  const issues: RuleIssue[] = [];
  if (!backup.repository.url) {
    issues.push({
      path: ["backup", "repository", "url"],
      severity: "deploy",
      message:
        "the backup repository is required before `pulumi up` (e.g. s3:https://s3.example.org/bucket/jupyterhub); " +
        "set it with `pulumi config set --path 'gpu-jupyterhub:backup.repository.url' <url>`",
    });
  }
  if (backup.repository.addresses.length === 0) {
    issues.push({
      path: ["backup", "repository", "addresses"],
      severity: backup.repository.url ? "error" : "deploy",
      message:
        "the backup jobs may reach only the repository: list its addresses (CIDRs, e.g. 10.21.0.60/32), or every backup fails",
    });
  }
  return issues;
}
