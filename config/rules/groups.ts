/** Rules that tie profiles to the identity provider's groups. */
import { usesGpu } from "../derived";
import { closestMatch } from "../did-you-mean";
import { quote, type RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";

function knownGroups(config: PlatformConfig): string[] {
  const { admin, allowed, gpu } = config.auth.groups;
  return [...new Set([...admin, ...allowed, ...gpu])];
}

/** "did you mean …?" for a group name: the same name in another case first, then the closest spelling. */
export function suggestGroup(group: string, known: readonly string[]): string | undefined {
  const sameLetters = known.find((candidate) => candidate.toLowerCase() === group.toLowerCase());
  if (sameLetters) return `did you mean "${sameLetters}"? Group names are case-sensitive.`;
  const close = closestMatch(group, known);
  return close ? `did you mean "${close}"?` : undefined;
}

export function referencedGroupsExist(config: PlatformConfig): RuleIssue[] {
  const known = knownGroups(config);
  const list = known.join(", ");
  const issues: RuleIssue[] = [];
  config.profiles.forEach((profile, index) => {
    profile.groups.forEach((group, position) => {
      if (!known.includes(group)) {
        const hint = suggestGroup(group, known);
        issues.push({
          path: ["profiles", index, "groups", position],
          message: hint
            ? `unknown group ${quote(group)}; ${hint} The stack's auth.groups define: ${list}`
            : `unknown group ${quote(group)}; groups are defined in the stack's auth.groups (${list})`,
        });
      }
    });
  });
  const signIn = [...new Set([...config.auth.groups.allowed, ...config.auth.groups.admin])];
  config.auth.groups.gpu.forEach((group, position) => {
    if (!signIn.includes(group)) {
      const hint = suggestGroup(group, signIn);
      issues.push({
        path: ["auth", "groups", "gpu", position],
        message: hint
          ? `GPU group ${quote(group)} is not a group that may sign in; ${hint}`
          : `GPU group ${quote(group)} cannot sign in: add it to auth.groups.allowed`,
      });
    }
  });
  return issues;
}

/** GPUs are scarce: a profile that requests one may be open only to GPU and admin groups. */
export function gpuProfilesOnlyForGpuGroups(config: PlatformConfig): RuleIssue[] {
  const entitled = new Set([...config.auth.groups.gpu, ...config.auth.groups.admin]);
  const known = new Set(knownGroups(config));
  const issues: RuleIssue[] = [];
  config.profiles.forEach((profile, index) => {
    if (!usesGpu(profile)) return;
    profile.groups.forEach((group, position) => {
      // An unknown group is reported once, as unknown (with its did-you-mean), not twice.
      if (!entitled.has(group) && known.has(group)) {
        issues.push({
          path: ["profiles", index, "groups", position],
          message: `"${group}" has no GPU rights, but this profile requests a GPU; allow only ${[...entitled].join(", ")}`,
        });
      }
    });
  });
  return issues;
}
