/** Rules about the profile set as a whole and about each profile's own fields. */
import { profileDemand } from "../derived";
import { quote, type RuleIssue } from "../issues";
import { fromAllowedRegistry } from "../schema/common";
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
        message: `slug ${quote(profile.slug)} is already used by the profile at {0}; slugs must be unique: choose a new one`,
        refs: [["profiles", first, "slug"]],
      });
    }
  });
  return issues;
}

export function exactlyOneDefault(config: PlatformConfig): RuleIssue[] {
  // An empty set is reported by the loader, at the profiles folder.
  if (config.profiles.length === 0) return [];
  const defaults = config.profiles.flatMap((profile, index) => (profile.default ? [index] : []));
  if (defaults.length === 1) return [];
  if (defaults.length === 0) {
    return [
      { path: ["profiles", 0, "default"], message: "no profile has `default: true`; mark exactly one" },
    ];
  }
  const slugs = defaults.map((index) => config.profiles[index]?.slug).join(", ");
  return defaults.slice(1).map((index) => ({
    path: ["profiles", index, "default"],
    message: `more than one profile has \`default: true\` (${slugs}); mark exactly one (the first is at {0})`,
    refs: [["profiles", defaults[0] as number, "default"]],
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

/** The custom-image form offers 0..maxGpus GPUs; a fixed `gpu` would be added to every choice, even "No GPU". */
export function customImageHasNoFixedGpu(config: PlatformConfig): RuleIssue[] {
  return config.profiles.flatMap((profile, index) =>
    profile.customImage && profile.gpu
      ? [
          {
            path: ["profiles", index, "gpu"],
            message:
              'a custom-image profile offers 0 to customImage.maxGpus GPUs on its form; `gpu` would be added to every choice, even "No GPU": remove `gpu` and set customImage.maxGpus',
          },
        ]
      : [],
  );
}

/**
 * The custom-image card offers its profile's image as the default choice: it comes from a registry
 * the hub accepts typed images from, or the default would be the one image the rule lets through
 * unchecked.
 */
export function customImageDefaultFromAllowedRegistry(config: PlatformConfig): RuleIssue[] {
  const registries = config.hub.customImage.allowedRegistries;
  return config.profiles.flatMap((profile, index) =>
    profile.customImage && !fromAllowedRegistry(profile.image, registries)
      ? [
          {
            path: ["profiles", index, "image"],
            message: `${quote(profile.image)} is the custom-image card's default, but comes from no registry in hub.customImage.allowedRegistries (${registries.join(", ")}, at {0}); add its registry there or choose an image from one of them`,
            refs: [["hub", "customImage", "allowedRegistries"]],
          },
        ]
      : [],
  );
}
