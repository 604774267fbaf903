/**
 * The idle-GPU notifier's wiring (monitoring.notifier): its hub settings, the hub's egress to
 * Prometheus and the SMTP relay and Prometheus's ingress from the hub, and validation of what it needs.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import { loadPlatformConfigFromText } from "../../config/load";
import { namedSecretKeys } from "../../config/named-secrets";
import { RULES } from "../../config/rules";
import { templateProblems } from "../../config/rules/monitoring";
import { NOTIFIER_EMAIL_DEFAULTS } from "../../config/schema/monitoring";
import { PROD_STACK, PROJECT_ROOT } from "../helpers";
import { withMonitoring } from "../support/monitoring-series";
import { canReach, type Endpoint } from "../support/network-reachability";
import { type Rendered, render } from "./render-helpers";

const RELAY = "10.21.0.25";
const NOTIFIER = {
  mode: "bundled",
  notifier: {
    enabled: true,
    stopAfterMinutes: 30,
    smtp: { host: "smtp.unileoben.ac.at", from: "jupyterhub@unileoben.ac.at", addresses: [`${RELAY}/32`] },
  },
};

let on: Rendered;
let off: Rendered;
before(async () => {
  on = await render(withMonitoring(NOTIFIER));
  off = await render(withMonitoring({ mode: "bundled" }));
});

describe("the idle-GPU notifier", () => {
  test("the hub settings name its Prometheus, relay, sender and grace period; absent when it is off", () => {
    assert.deepEqual(hubSettings(withMonitoring(NOTIFIER)).idle_gpu_notifier, {
      prometheus_url: "http://prometheus.jupyterhub-monitoring.svc:9090",
      every: 60,
      stop_after: 1800,
      smtp_host: "smtp.unileoben.ac.at",
      smtp_port: 587,
      smtp_from: "jupyterhub@unileoben.ac.at",
      smtp_starttls: true,
      subject: NOTIFIER_EMAIL_DEFAULTS.subject,
      body: NOTIFIER_EMAIL_DEFAULTS.body,
    });
    assert.equal("idle_gpu_notifier" in hubSettings(withMonitoring({ mode: "bundled" })), false);
  });

  test("the hub reaches Prometheus's 9090 and the relay's SMTP port, nothing more; only with the notifier", () => {
    const endpoints = (rendered: Rendered): Record<string, Endpoint> => ({
      hub: {
        name: "hub",
        ip: "10.42.1.10",
        pod: {
          namespace: "jupyterhub",
          labels: rendered.get("Deployment", "hub").spec.template.metadata.labels,
        },
      },
      prometheus: {
        name: "prometheus",
        ip: "10.42.3.32",
        pod: {
          namespace: "jupyterhub-monitoring",
          labels: rendered.get("Deployment", "prometheus").spec.template.metadata.labels,
        },
      },
      relay: { name: "smtp relay", ip: RELAY },
      other: { name: "another campus host", ip: "10.21.0.26" },
    });
    const reach = (rendered: Rendered, from: string, to: string, port: number) => {
      const known = endpoints(rendered);
      return canReach(rendered.all("NetworkPolicy"), known[from] as Endpoint, known[to] as Endpoint, port);
    };
    const rows: [string, string, number, boolean][] = [
      ["hub", "prometheus", 9090, true],
      ["hub", "relay", 587, true],
      ["hub", "relay", 25, false],
      ["hub", "other", 587, false],
      ["prometheus", "hub", 9090, false],
    ];
    assert.deepEqual(
      rows.map(([from, to, port]) => [from, to, port, reach(on, from, to, port)]),
      rows,
    );
    assert.equal(reach(off, "hub", "prometheus", 9090), false);
    assert.equal(reach(off, "hub", "relay", 587), false);
  });

  test("validation asks for the relay, the sender, the relay's addresses and, with an operator, its Prometheus", () => {
    const config = withMonitoring({ mode: "prometheusOperator", notifier: { enabled: true } });
    const rule = RULES.notifierIsComplete;
    assert.ok(rule);
    assert.deepEqual(
      rule(config).map((issue) => issue.path.join(".")),
      [
        "monitoring.notifier.smtp.host",
        "monitoring.notifier.smtp.from",
        "monitoring.notifier.smtp.addresses",
        "monitoring.notifier.prometheusUrl",
      ],
    );
    assert.deepEqual(rule(withMonitoring(NOTIFIER)), []);
  });

  test("the email's default text is the notifier's own (hub/idle_gpu_notifier.py's SUBJECT and BODY)", () => {
    const python = readFileSync(path.join(PROJECT_ROOT, "hub", "idle_gpu_notifier.py"), "utf8");
    assert.equal(python.match(/^SUBJECT = "(.*)"$/m)?.[1], NOTIFIER_EMAIL_DEFAULTS.subject);
    assert.equal(python.match(/^BODY = """(.*?)"""$/ms)?.[1], NOTIFIER_EMAIL_DEFAULTS.body);
  });

  test("the stack's subject and body and the relay's login name reach the hub settings; the password never does", () => {
    const config = withMonitoring({
      ...NOTIFIER,
      notifier: {
        ...NOTIFIER.notifier,
        smtp: { ...NOTIFIER.notifier.smtp, username: "jupyterhub", passwordSecretKey: "smtpPassword" },
        email: { subject: "[{hub_host}] idle GPU", body: "Hello {user}, {{sic}}" },
      },
    });
    const settings = hubSettings(config).idle_gpu_notifier;
    assert.equal(settings?.smtp_user, "jupyterhub");
    assert.equal(settings?.subject, "[{hub_host}] idle GPU");
    assert.equal(settings?.body, "Hello {user}, {{sic}}");
    assert.ok(!JSON.stringify(hubSettings(config)).includes("smtpPassword"));
    assert.ok(namedSecretKeys(config).has("smtpPassword"));
  });

  test("with a login, the password is a key of Secret hub and the hub's env IDLE_GPU_NOTIFIER_SMTP_PASSWORD; without one, neither", async () => {
    const login = withMonitoring({
      ...NOTIFIER,
      notifier: {
        ...NOTIFIER.notifier,
        smtp: { ...NOTIFIER.notifier.smtp, username: "jupyterhub", passwordSecretKey: "smtpPassword" },
      },
    });
    const rendered = await render(login, { smtpPassword: pulumi.secret("from-the-stack") });
    const env = rendered.get("Deployment", "hub").spec.template.spec.containers[0].env;
    assert.deepEqual(
      env.find((variable: { name: string }) => variable.name === "IDLE_GPU_NOTIFIER_SMTP_PASSWORD"),
      {
        name: "IDLE_GPU_NOTIFIER_SMTP_PASSWORD",
        valueFrom: { secretKeyRef: { name: "hub", key: "smtp-password" } },
      },
    );
    assert.ok("smtp-password" in rendered.get("Secret", "hub").stringData);
    for (const without of [on, off]) {
      assert.equal("smtp-password" in without.get("Secret", "hub").stringData, false);
      const names = without
        .get("Deployment", "hub")
        .spec.template.spec.containers[0].env.map((variable: { name: string }) => variable.name);
      assert.equal(names.includes("IDLE_GPU_NOTIFIER_SMTP_PASSWORD"), false);
    }
  });

  test("templates: only {user}, {gpu}, {hub_url}, {hub_host} and {stop_notice}, with {{ and }} for braces", () => {
    assert.deepEqual(templateProblems(NOTIFIER_EMAIL_DEFAULTS.body), []);
    assert.deepEqual(templateProblems("{{literal}} {user} {stop_notice}"), []);
    assert.deepEqual(templateProblems("Hello {usr}"), [
      "unknown placeholder {usr}; did you mean {user}? (known: {user}, {gpu}, {hub_url}, {hub_host}, {stop_notice})",
    ]);
    assert.deepEqual(templateProblems("{user!r} {gpu:>10}"), [
      "{user!r}: write plain {user} (no conversion, format spec, attribute or index)",
      "{gpu:>10}: write plain {gpu} (no conversion, format spec, attribute or index)",
    ]);
    assert.deepEqual(templateProblems("a } b"), ["a single } (write }} for a brace)"]);
    assert.deepEqual(templateProblems("a { b"), ["a { without its } (write {{ for a brace)"]);
  });

  test("the password's config key is a secret the stack may hold; without the notifier it is refused like any unnamed secret", () => {
    const stackFor = (enabled: boolean) =>
      `${readFileSync(PROD_STACK, "utf8").replace(
        /^ {4}mode: bundled$/m,
        [
          "    mode: bundled",
          "    notifier:",
          `      enabled: ${enabled}`,
          "      smtp:",
          "        host: smtp.unileoben.ac.at",
          "        from: jupyterhub@unileoben.ac.at",
          "        addresses: [10.21.0.25/32]",
          "        username: jupyterhub",
          "        passwordSecretKey: smtpRelayPassword",
        ].join("\n"),
      )}  gpu-jupyterhub:smtpRelayPassword:\n    secure: AAABAxyz\n`;
    const issues = (enabled: boolean) =>
      loadPlatformConfigFromText({ file: "Pulumi.t.yaml", text: stackFor(enabled) }, [])
        .issues.filter((issue) => /notifier|smtpRelayPassword/.test(String(issue.field)))
        .map((issue) => `${issue.field}: ${issue.message}`);
    assert.deepEqual(issues(true), []);
    assert.deepEqual(issues(false), [
      "config.gpu-jupyterhub:smtpRelayPassword: a secret no field names: list it in backup.repository.credentials or passwordSecretKey, database.urlSecretKey or monitoring.notifier.smtp.passwordSecretKey, or remove it",
    ]);
  });

  test("validation: a bad placeholder and half a login are reported at their line in the stack file", () => {
    const stackText = readFileSync(PROD_STACK, "utf8").replace(
      /^ {4}mode: bundled$/m,
      [
        "    mode: bundled",
        "    notifier:",
        "      enabled: true",
        "      smtp:",
        "        host: smtp.unileoben.ac.at",
        "        from: jupyterhub@unileoben.ac.at",
        "        addresses: [10.21.0.25/32]",
        "        username: jupyterhub",
        "      email:",
        '        subject: "GPU idle on {host}"',
        '        body: "Hello {user}"',
      ].join("\n"),
    );
    assert.ok(stackText.includes("GPU idle on {host}"));
    const result = loadPlatformConfigFromText({ file: "Pulumi.t.yaml", text: stackText }, []);
    const line = (needle: string) => stackText.split("\n").findIndex((text) => text.includes(needle)) + 1;
    const found = result.issues
      .filter((issue) => String(issue.field).includes("notifier"))
      .map((issue) => `${issue.file}:${issue.position?.line}: ${issue.field}: ${issue.message}`);
    assert.deepEqual(found, [
      `Pulumi.t.yaml:${line("username: jupyterhub")}: monitoring.notifier.smtp.username: a login needs passwordSecretKey too: the Pulumi secret config key holding the relay's password`,
      `Pulumi.t.yaml:${line("GPU idle on {host}")}: monitoring.notifier.email.subject: unknown placeholder {host}; did you mean {hub_host}? (known: {user}, {gpu}, {hub_url}, {hub_host}, {stop_notice})`,
    ]);
  });
});
