/**
 * The idle-GPU notifier's wiring (monitoring.notifier): its hub settings, the hub's egress to
 * Prometheus and the SMTP relay and Prometheus's ingress from the hub, and validation of what it needs.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import { RULES } from "../../config/rules";
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
});
