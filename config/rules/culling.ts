/**
 * Rules that keep idle timeouts and maximum runtimes effective. The hub-wide culler
 * (jupyterhub-idle-culler, `culler` in the stack) stops every server idle for `timeout` or older
 * than `maxAge`; the per-profile culler (hub/profile_culler.py) only stops servers sooner, and runs
 * only when the hub-wide culler is enabled. So a profile can tighten the hub's limits, never loosen them.
 */
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";

export function profileTimeoutsTakeEffect(config: PlatformConfig): RuleIssue[] {
  const { culler } = config;
  const issues: RuleIssue[] = [];
  config.profiles.forEach((profile, index) => {
    const at = (field: string) => ["profiles", index, field];
    for (const field of ["idleTimeout", "maxRuntime"] as const) {
      const value = profile[field];
      if (value === undefined) continue;
      if (!culler.enabled) {
        issues.push({
          path: at(field),
          message: `has no effect: culling is off in the stack (culler.enabled: false at {0}), and the per-profile culler runs only with it; remove ${field}, or turn culling on`,
          refs: [["culler", "enabled"]],
        });
        continue;
      }
      const hubField = field === "idleTimeout" ? "timeout" : "maxAge";
      const hubValue = culler[hubField];
      if (hubValue === 0 || value <= hubValue) continue;
      const what = field === "idleTimeout" ? "idle servers" : "servers running that long";
      issues.push({
        path: at(field),
        message:
          `${field} (${value}s) is longer than the hub-wide culler's ${hubField} (${hubValue}s, culler.${hubField} at {0}), ` +
          `which stops ${what} first, so it has no effect; write at most ${hubValue}, or ask the platform team to raise culler.${hubField}`,
        refs: [["culler", hubField]],
      });
    }
  });
  return issues;
}

export function cullerTimeoutWithinMaxAge(config: PlatformConfig): RuleIssue[] {
  const { culler } = config;
  if (!culler.enabled || culler.maxAge === 0 || culler.timeout <= culler.maxAge) return [];
  return [
    {
      path: ["culler", "timeout"],
      message: `culler.timeout (${culler.timeout}s) is longer than culler.maxAge (${culler.maxAge}s, at {0}): every server is stopped for its age before it could count as idle; lower the timeout or raise maxAge`,
      refs: [["culler", "maxAge"]],
    },
  ];
}
