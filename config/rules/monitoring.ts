/** The monitoring section's idle-GPU notifier: what it needs to run, reported before anything is rendered. */
import type { RuleIssue } from "../issues";
import type { PlatformConfig } from "../schema/platform";

/** The notifier needs a relay, a sender, the relay's addresses (the hub's egress) and a Prometheus to ask. */
export function notifierIsComplete(config: PlatformConfig): RuleIssue[] {
  const { monitoring } = config;
  const { notifier } = monitoring;
  if (!notifier.enabled) return [];
  const at = (...path: string[]) => ["monitoring", "notifier", ...path];
  const issues: RuleIssue[] = [];
  if (!monitoring.enabled) {
    issues.push({
      path: at("enabled"),
      message: "needs monitoring.enabled: the notifier asks its Prometheus",
    });
  }
  if (!notifier.smtp.host)
    issues.push({
      path: at("smtp", "host"),
      message: "the SMTP relay to send the emails through is required",
    });
  if (!notifier.smtp.from)
    issues.push({ path: at("smtp", "from"), message: "the sender address of the emails is required" });
  if (notifier.smtp.addresses.length === 0) {
    issues.push({
      path: at("smtp", "addresses"),
      message:
        "list the relay's addresses (CIDRs, e.g. 10.21.0.25/32): the hub's network policy opens its port to them only",
    });
  }
  if (monitoring.mode !== "bundled" && !notifier.prometheusUrl) {
    issues.push({
      path: at("prometheusUrl"),
      message:
        "with mode prometheusOperator, name the operator's Prometheus (e.g. http://kube-prometheus-stack-prometheus.monitoring.svc:9090)",
    });
  }
  return issues;
}
