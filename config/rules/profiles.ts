/** Rules about the profile set as a whole and about each profile's own fields. */
import { profileDemand } from "../derived";
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";

export function uniqueSlugs(config: PlatformConfig): RuleIssue[] {
  const firstIndex = new Map<string, number>();
  const issues: RuleIssue[] = [];
  config.profiles.forEach((profile, index) => {
    const first = firstIndex.get(profile.slug);
    if (first === undefined) firstIndex.set(profile.slug, index);
    else {
      issues.push({
        path: ["profiles", index, "slug"],
        message: `slug "${profile.slug}" is already used by another profile (#${first + 1}); slugs must be unique`,
      });
    }
  });
  return issues;
}

export function exactlyOneDefault(config: PlatformConfig): RuleIssue[] {
  const defaults = config.profiles.flatMap((profile, index) => (profile.default ? [index] : []));
  if (config.profiles.length === 0) {
    return [{ path: ["profiles"], message: "no profiles found; add at least one file to config/profiles/" }];
  }
  if (defaults.length === 1) return [];
  if (defaults.length === 0) {
    return [
      { path: ["profiles", 0, "default"], message: "no profile has `default: true`; mark exactly one" },
    ];
  }
  const slugs = defaults.map((index) => config.profiles[index]?.slug).join(", ");
  return defaults.slice(1).map((index) => ({
    path: ["profiles", index, "default"],
    message: `more than one profile has \`default: true\` (${slugs}); mark exactly one`,
  }));
}

export function guaranteeWithinLimit(config: PlatformConfig): RuleIssue[] {
  return config.profiles.flatMap((profile, index) => {
    const demand = profileDemand(profile);
    const issues: RuleIssue[] = [];
    if (demand.cpuGuarantee > demand.cpuLimit) {
      issues.push({
        path: ["profiles", index, "cpu", "guarantee"],
        message: `'cpu.guarantee' (${profile.cpu.guarantee}) must not exceed 'cpu.limit' (${profile.cpu.limit})`,
      });
    }
    if (demand.memoryGuaranteeBytes > demand.memoryLimitBytes) {
      issues.push({
        path: ["profiles", index, "memory", "guarantee"],
        message: `'memory.guarantee' (${profile.memory.guarantee}) must not exceed 'memory.limit' (${profile.memory.limit})`,
      });
    }
    return issues;
  });
}

export function idleTimeoutWithinRuntime(config: PlatformConfig): RuleIssue[] {
  return config.profiles.flatMap((profile, index) =>
    profile.idleTimeout !== undefined &&
    profile.maxRuntime !== undefined &&
    profile.maxRuntime > 0 &&
    profile.idleTimeout > profile.maxRuntime
      ? [
          {
            path: ["profiles", index, "idleTimeout"],
            message: `'idleTimeout' (${profile.idleTimeout}s) must not exceed 'maxRuntime' (${profile.maxRuntime}s)`,
          },
        ]
      : [],
  );
}

export function customImageOnlyForAdmins(config: PlatformConfig): RuleIssue[] {
  const admins = new Set(config.auth.groups.admin);
  return config.profiles.flatMap((profile, index) =>
    profile.customImage && profile.groups.some((group) => !admins.has(group))
      ? [
          {
            path: ["profiles", index, "groups"],
            message: `a profile with 'customImage' runs any image a user types, so only admin groups (${[...admins].join(", ")}) may use it`,
          },
        ]
      : [],
  );
}
