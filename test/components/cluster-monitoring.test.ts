/**
 * Monitoring under mocks: the bundled Prometheus (its namespace, account and roles, config, rules,
 * Deployment, policies), the operator's PodMonitors and PrometheusRule, the hub's metrics token in
 * both the hub's Secret and the scraper's namespace, and who may reach whom on which metrics port.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { parse } from "yaml";
import { monitoringRuleGroups } from "../../components/cluster/monitoring-rules";
import { monitoringSchema } from "../../config/schema/monitoring";
import type { PlatformConfig } from "../../config/schema/platform";
import { editableProdConfig, PROJECT_ROOT, prodConfig } from "../helpers";
import { canReach, type Endpoint } from "../support/network-reachability";
import { podSpec, type Rendered, render } from "./render-helpers";

function withMonitoring(monitoring: object): PlatformConfig {
  const config = editableProdConfig();
  config.monitoring = monitoringSchema.parse({ enabled: true, ...monitoring });
  return config;
}

let bundled: Rendered;
let operator: Rendered;
let off: Rendered;
before(async () => {
  bundled = await render(
    withMonitoring({
      mode: "bundled",
      bundled: { queriers: [{ namespace: "grafana", podLabels: { "app.kubernetes.io/name": "grafana" } }] },
    }),
  );
  operator = await render(withMonitoring({ mode: "prometheusOperator" }));
  off = await render(withMonitoring({ enabled: false }));
});

const inNamespace = (rendered: Rendered, namespace: string) =>
  rendered.objects.filter((object) => object.metadata?.namespace === namespace);

describe("the hub's metrics token", () => {
  test("Secret hub holds it and the hub reads it from there; the scraper's namespace gets a copy; none without monitoring", () => {
    for (const [rendered, namespace] of [
      [bundled, "jupyterhub-monitoring"],
      [operator, "monitoring"],
    ] as const) {
      assert.ok("metrics-token" in rendered.get("Secret", "hub").stringData);
      const env = podSpec(rendered.get("Deployment", "hub")).containers[0].env;
      assert.deepEqual(
        env.find((variable: { name: string }) => variable.name === "JUPYTERHUB_METRICS_TOKEN"),
        {
          name: "JUPYTERHUB_METRICS_TOKEN",
          valueFrom: { secretKeyRef: { name: "hub", key: "metrics-token" } },
        },
      );
      const copy = rendered.get("Secret", "jupyterhub-metrics-token");
      assert.equal(copy.metadata.namespace, namespace);
      assert.deepEqual(Object.keys(copy.stringData), ["token"]);
    }
    assert.equal("metrics-token" in off.get("Secret", "hub").stringData, false);
    assert.equal(
      off.objects.some((object) => object.metadata?.name === "jupyterhub-metrics-token"),
      false,
    );
  });

  test("the user scheduler may check a scraper's token and its right to GET /metrics, and nothing more", () => {
    for (const rendered of [bundled, operator]) {
      const binding = rendered.get("ClusterRoleBinding", "jupyterhub-user-scheduler-auth-delegator");
      assert.equal(binding.roleRef.name, "system:auth-delegator");
      assert.deepEqual(binding.subjects, [
        { kind: "ServiceAccount", name: "user-scheduler", namespace: "jupyterhub-scheduler" },
      ]);
      assert.deepEqual(rendered.get("ClusterRole", "jupyterhub-metrics-reader").rules, [
        { apiGroups: [], resources: [], nonResourceURLs: ["/metrics"], verbs: ["get"] },
      ]);
    }
  });
});

describe("bundled: a Prometheus of our own", () => {
  test("its namespace enforces restricted; nothing of it lands in the hub's namespace but a Role to discover pods", () => {
    const namespace = bundled.get("Namespace", "jupyterhub-monitoring");
    assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    assert.deepEqual(
      inNamespace(bundled, "jupyterhub")
        .filter((object) => object.metadata.labels?.component === "monitoring")
        .sort((a, b) => `${a.kind}`.localeCompare(`${b.kind}`))
        .map((object) => `${object.kind}/${object.metadata.name}`),
      ["Role/jupyterhub-prometheus-discovery", "RoleBinding/jupyterhub-prometheus-discovery"],
    );
    for (const scraped of ["jupyterhub", "gpu-operator", "jupyterhub-scheduler"]) {
      const role = bundled
        .all("Role")
        .find(
          (candidate) =>
            candidate.metadata.name === "jupyterhub-prometheus-discovery" &&
            candidate.metadata.namespace === scraped,
        );
      assert.deepEqual(role?.rules, [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
      ]);
    }
  });

  test("the Deployment: pinned image, its config, rules and the hub's token mounted read-only, a bounded emptyDir, restricted", () => {
    const deployment = bundled.get("Deployment", "prometheus");
    assert.equal(deployment.metadata.namespace, "jupyterhub-monitoring");
    assert.equal(deployment.spec.strategy.type, "Recreate");
    const pod = podSpec(deployment);
    assert.equal(pod.serviceAccountName, "prometheus");
    const [container] = pod.containers;
    assert.equal(container.image, "docker.io/prom/prometheus:v3.5.0");
    assert.deepEqual(container.args, [
      "--config.file=/etc/prometheus/config/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--storage.tsdb.retention.time=15d",
    ]);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(
      pod.volumes.map((volume: { name: string }) => volume.name),
      ["config", "rules", "hub-token", "data"],
    );
    assert.deepEqual(pod.volumes[3].emptyDir, { sizeLimit: "20Gi" });
    assert.deepEqual(pod.volumes[2].secret, { secretName: "jupyterhub-metrics-token" });
    assert.match(deployment.spec.template.metadata.annotations["checksum/config"], /^[0-9a-f]{64}$/);
  });

  test("prometheus.yml scrapes the four targets in their namespaces; the rules ConfigMap holds the rule groups", () => {
    const config = parse(bundled.get("ConfigMap", "prometheus-config").data["prometheus.yml"]);
    const jobs = config.scrape_configs.map(
      (job: { job_name: string; kubernetes_sd_configs: [{ namespaces: { names: string[] } }] }) => [
        job.job_name,
        job.kubernetes_sd_configs[0].namespaces.names[0],
      ],
    );
    assert.deepEqual(jobs, [
      ["jupyterhub-hub", "jupyterhub"],
      ["jupyterhub-proxy", "jupyterhub"],
      ["dcgm-exporter", "gpu-operator"],
      ["jupyterhub-user-scheduler", "jupyterhub-scheduler"],
    ]);
    assert.deepEqual(config.scrape_configs[0].authorization, {
      type: "Bearer",
      credentials_file: "/etc/prometheus/hub-token/token",
    });
    assert.deepEqual(config.scrape_configs[3].authorization, {
      type: "Bearer",
      credentials_file: "/var/run/secrets/kubernetes.io/serviceaccount/token",
    });
    const rules = parse(bundled.get("ConfigMap", "prometheus-rules").data["jupyterhub.rules.yaml"]);
    assert.deepEqual(rules.groups, monitoringRuleGroups(withMonitoring({ mode: "bundled" })));
  });
});

describe("prometheusOperator: monitors and rules for the cluster's operator", () => {
  test("one PodMonitor per target, labelled for the operator's selectors, with the same job names and credentials", () => {
    const monitors = operator
      .all("PodMonitor")
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    assert.deepEqual(
      monitors.map((monitor) => [
        monitor.metadata.name,
        monitor.metadata.namespace,
        monitor.metadata.labels?.release,
      ]),
      [
        ["jupyterhub-dcgm-exporter", "monitoring", "kube-prometheus-stack"],
        ["jupyterhub-hub", "monitoring", "kube-prometheus-stack"],
        ["jupyterhub-proxy", "monitoring", "kube-prometheus-stack"],
        ["jupyterhub-user-scheduler", "monitoring", "kube-prometheus-stack"],
      ],
    );
    const [dcgm, hub, , scheduler] = monitors.map((monitor) => monitor.spec);
    assert.deepEqual(hub.namespaceSelector, { matchNames: ["jupyterhub"] });
    assert.deepEqual(hub.podMetricsEndpoints[0].authorization, {
      type: "Bearer",
      credentials: { name: "jupyterhub-metrics-token", key: "token" },
    });
    assert.equal(dcgm.podMetricsEndpoints[0].honorLabels, true);
    assert.deepEqual(dcgm.selector, { matchLabels: { app: "nvidia-dcgm-exporter" } });
    assert.equal(scheduler.podMetricsEndpoints[0].targetPort, 10259);
    assert.deepEqual(scheduler.podMetricsEndpoints[0].tlsConfig, { insecureSkipVerify: true });
    assert.deepEqual(scheduler.podMetricsEndpoints[0].authorization.credentials, {
      name: "jupyterhub-metrics-reader-token",
      key: "token",
    });
    const token = operator.get("Secret", "jupyterhub-metrics-reader-token");
    assert.equal(token.type, "kubernetes.io/service-account-token");
    assert.equal(
      token.metadata.annotations?.["kubernetes.io/service-account.name"],
      "jupyterhub-metrics-reader",
    );
    assert.equal(
      operator.all("Deployment").some((deployment) => deployment.metadata.name === "prometheus"),
      false,
    );
  });

  test("PrometheusRule jupyterhub carries the rule groups", () => {
    const rule = operator.get("PrometheusRule", "jupyterhub");
    assert.equal(rule.metadata.labels?.release, "kube-prometheus-stack");
    assert.deepEqual(rule.spec.groups, monitoringRuleGroups(withMonitoring({})));
  });
});

describe("network policies open exactly the scrape paths", () => {
  type Row = readonly [from: string, to: string, port: number, reachable: boolean];
  function endpoints(rendered: Rendered, prometheus: Endpoint["pod"]): Map<string, Endpoint> {
    const pod = (kind: string, name: string, ip: string, namespace: string): Endpoint => ({
      name,
      ip,
      pod: { namespace, labels: rendered.get(kind, name).spec.template.metadata.labels },
    });
    const other = (
      name: string,
      ip: string,
      namespace: string,
      labels: Record<string, string>,
    ): Endpoint => ({
      name,
      ip,
      pod: { namespace, labels },
    });
    return new Map([
      ["prometheus", { name: "prometheus", ip: "10.42.3.32", pod: prometheus }],
      ["grafana", other("grafana", "10.42.3.33", "grafana", { "app.kubernetes.io/name": "grafana" })],
      ["hub", pod("Deployment", "hub", "10.42.1.10", "jupyterhub")],
      ["proxy", pod("Deployment", "proxy", "10.42.1.11", "jupyterhub")],
      ["user-scheduler", pod("Deployment", "user-scheduler", "10.42.1.12", "jupyterhub-scheduler")],
      ["hub-db", pod("StatefulSet", "hub-db", "10.42.1.13", "jupyterhub")],
      ["dcgm", other("nvidia-dcgm-exporter-x", "10.42.2.5", "gpu-operator", { app: "nvidia-dcgm-exporter" })],
      ["pypi", { name: "pypi.org", ip: "151.101.0.223" }],
    ]);
  }
  function evaluate(rendered: Rendered, prometheus: Endpoint["pod"], rows: readonly Row[]): Row[] {
    const known = endpoints(rendered, prometheus);
    const policies = rendered.all("NetworkPolicy");
    return rows.map(([from, to, port]) => [
      from,
      to,
      port,
      canReach(policies, known.get(from) as Endpoint, known.get(to) as Endpoint, port),
    ]);
  }

  test("bundled: our Prometheus reaches the hub's 8081, the proxy's 8002, DCGM's 9400 and the scheduler's 10259, nothing else", () => {
    const prometheus = bundled.get("Deployment", "prometheus");
    const pod = { namespace: "jupyterhub-monitoring", labels: prometheus.spec.template.metadata.labels };
    const rows: Row[] = [
      ["prometheus", "hub", 8081, true],
      ["prometheus", "proxy", 8002, true],
      ["prometheus", "dcgm", 9400, true],
      ["prometheus", "user-scheduler", 10259, true],
      ["prometheus", "proxy", 8001, false],
      ["prometheus", "proxy", 8000, false],
      ["prometheus", "hub-db", 5432, false],
      ["prometheus", "pypi", 80, false],
      ["grafana", "prometheus", 9090, true],
      ["grafana", "hub", 8081, false],
      ["hub", "prometheus", 9090, false],
      ["grafana", "user-scheduler", 10259, false],
    ];
    assert.deepEqual(evaluate(bundled, pod, rows), rows);
  });

  const operatorPrometheus = { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } };
  test("prometheusOperator: the operator's Prometheus (by monitoring.prometheusPodLabels) reaches the same ports; without monitoring, the scheduler is closed", () => {
    const rows: Row[] = [
      ["prometheus", "hub", 8081, true],
      ["prometheus", "proxy", 8002, true],
      ["prometheus", "user-scheduler", 10259, true],
      ["grafana", "user-scheduler", 10259, false],
      ["prometheus", "hub-db", 5432, false],
    ];
    assert.deepEqual(evaluate(operator, operatorPrometheus, rows), rows);
    const closed: Row[] = [
      ["prometheus", "hub", 8081, false],
      ["prometheus", "user-scheduler", 10259, false],
    ];
    assert.deepEqual(evaluate(off, operatorPrometheus, closed), closed);
  });
});

test("docs/operations.md lists every rule of prod with its expression as the builder writes it", () => {
  const docs = readFileSync(path.join(PROJECT_ROOT, "docs", "operations.md"), "utf8");
  for (const rule of monitoringRuleGroups(prodConfig()).flatMap((group) => group.rules)) {
    const row = `| \`${rule.record ?? rule.alert}\` | ${rule.for ?? ""} | \`${rule.expr.replace(/\|/g, "\\|")}\` |`;
    assert.ok(docs.includes(row), `docs/operations.md, "Rules": ${row}`);
  }
});
