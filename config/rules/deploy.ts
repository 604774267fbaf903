/** Values a render can do without but a deploy cannot: reported as "deploy" severity. */
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";

export function nfsServerIsSet(config: PlatformConfig): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (!config.storage.nfs.server) {
    issues.push({
      path: ["storage", "nfs", "server"],
      severity: "deploy",
      message:
        "the NFS server address is required before `pulumi up` (the seed gives only 10.21.x.x); set it with " +
        "`pulumi config set --path 'gpu-jupyterhub:storage.nfs.server' <address>`",
    });
  }
  return issues;
}
