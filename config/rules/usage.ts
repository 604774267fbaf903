/** The usage section: budgets name known groups, and every MIG slice a profile requests has a price. */
import { derivedComputeUnitsPerHour } from "../compute-units";
import { quote, type RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";
import { suggestGroup } from "./groups";

export function budgetsNameKnownGroups(config: PlatformConfig): RuleIssue[] {
  const { admin, allowed, gpu } = config.auth.groups;
  const known = [...new Set([...admin, ...allowed, ...gpu])];
  return Object.keys(config.usage.budgets)
    .filter((group) => !known.includes(group))
    .map((group) => {
      const hint = suggestGroup(group, known);
      return {
        path: ["usage", "budgets", group],
        message: `budget for unknown group ${quote(group)}; ${hint ?? `groups are defined in the stack's auth.groups (${known.join(", ")})`}`,
      };
    });
}

/** A MIG profile without its own computeUnitsPerHour needs its slice priced, or it would cost nothing. */
export function migSlicesArePriced(config: PlatformConfig): RuleIssue[] {
  if (!config.usage.enabled) return [];
  const issues: RuleIssue[] = [];
  config.profiles.forEach((profile, index) => {
    const slice = profile.gpu?.migSlice;
    if (!slice || profile.computeUnitsPerHour !== undefined) return;
    if (derivedComputeUnitsPerHour(profile, config.usage.prices) === undefined) {
      issues.push({
        path: ["profiles", index, "gpu", "migSlice"],
        message: `MIG slice ${quote(slice)} has no price: add it to the stack's usage.prices.migSlices or set computeUnitsPerHour`,
      });
    }
  });
  return issues;
}
