/** Rules that tie profiles to the identity provider's groups. */
import { usesGpu } from "../derived";
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";

function knownGroups(config: PlatformConfig): Set<string> {
  const { admin, allowed, gpu } = config.auth.groups;
  return new Set([...admin, ...allowed, ...gpu]);
}

export function referencedGroupsExist(config: PlatformConfig): RuleIssue[] {
  const known = knownGroups(config);
  const list = [...known].join(", ");
  const issues: RuleIssue[] = [];
  config.profiles.forEach((profile, index) => {
    profile.groups.forEach((group, position) => {
      if (!known.has(group)) {
        issues.push({
          path: ["profiles", index, "groups", position],
          message: `unknown group "${group}"; groups are defined in the stack's auth.groups (${list})`,
        });
      }
    });
  });
  const signIn = new Set([...config.auth.groups.allowed, ...config.auth.groups.admin]);
  config.auth.groups.gpu.forEach((group, position) => {
    if (!signIn.has(group)) {
      issues.push({
        path: ["auth", "groups", "gpu", position],
        message: `GPU group "${group}" cannot sign in: add it to auth.groups.allowed`,
      });
    }
  });
  return issues;
}

/** GPUs are scarce: a profile that requests one may be open only to GPU and admin groups. */
export function gpuProfilesOnlyForGpuGroups(config: PlatformConfig): RuleIssue[] {
  const entitled = new Set([...config.auth.groups.gpu, ...config.auth.groups.admin]);
  const issues: RuleIssue[] = [];
  config.profiles.forEach((profile, index) => {
    if (!usesGpu(profile)) return;
    profile.groups.forEach((group, position) => {
      if (!entitled.has(group)) {
        issues.push({
          path: ["profiles", index, "groups", position],
          message: `"${group}" has no GPU rights, but this profile requests a GPU; allow only ${[...entitled].join(", ")}`,
        });
      }
    });
  });
  return issues;
}
