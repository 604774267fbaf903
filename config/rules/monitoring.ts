/** The monitoring section's idle-GPU notifier: what it needs to run, reported before anything is rendered. */
import { closestMatch } from "../did-you-mean";
import type { RuleIssue } from "../issues";
import { NOTIFIER_PLACEHOLDERS } from "../schema/monitoring";
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

/** A login needs both halves: the name in the stack, the password as a Pulumi secret. */
export function smtpLoginIsWhole(config: PlatformConfig): RuleIssue[] {
  const { smtp } = config.monitoring.notifier;
  const at = (field: string) => ["monitoring", "notifier", "smtp", field];
  if (smtp.username && !smtp.passwordSecretKey)
    return [
      {
        path: at("username"),
        message:
          "a login needs passwordSecretKey too: the Pulumi secret config key holding the relay's password",
      },
    ];
  if (smtp.passwordSecretKey && !smtp.username)
    return [{ path: at("passwordSecretKey"), message: "a login needs username too: the relay's login name" }];
  return [];
}

/**
 * The problems of an email template as Python's str.format reads it, limited to plain `{name}`
 * fields of NOTIFIER_PLACEHOLDERS: an unknown name, an index, attribute, conversion or format spec,
 * or a lone brace would fail (or print the wrong thing) only when the first email is sent.
 */
export function templateProblems(template: string): string[] {
  const problems: string[] = [];
  const known: readonly string[] = NOTIFIER_PLACEHOLDERS;
  for (let index = 0; index < template.length; index++) {
    const char = template[index];
    if (char === "}") {
      if (template[index + 1] === "}") index++;
      else problems.push("a single } (write }} for a brace)");
      continue;
    }
    if (char !== "{") continue;
    if (template[index + 1] === "{") {
      index++;
      continue;
    }
    const end = template.indexOf("}", index);
    const opened = template.indexOf("{", index + 1);
    if (end < 0 || (opened >= 0 && opened < end)) {
      problems.push("a { without its } (write {{ for a brace)");
      continue;
    }
    const field = template.slice(index + 1, end);
    const name = field.split(/[!:.[]/)[0] ?? "";
    if (known.includes(name) && name !== field) {
      problems.push(`{${field}}: write plain {${name}} (no conversion, format spec, attribute or index)`);
    } else if (!known.includes(name)) {
      const hint = closestMatch(name, known) ?? (name ? known.find((k) => k.includes(name)) : undefined);
      problems.push(
        `unknown placeholder {${field}}${hint ? `; did you mean {${hint}}?` : ""} (known: ${known.map((k) => `{${k}}`).join(", ")})`,
      );
    }
    index = end;
  }
  return [...new Set(problems)];
}

/** The email's subject and body use only the notifier's placeholders. */
export function notifierTemplatesAreValid(config: PlatformConfig): RuleIssue[] {
  const { email } = config.monitoring.notifier;
  return (["subject", "body"] as const).flatMap((field) =>
    templateProblems(email[field]).map((message) => ({
      path: ["monitoring", "notifier", "email", field],
      message,
    })),
  );
}
