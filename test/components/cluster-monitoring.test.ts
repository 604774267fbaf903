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
  test("its namespace enforces restricted; nothing of it lands in the hub's namespace but the Roles to discover pods and for kube-state-metrics", () => {
    const namespace = bundled.get("Namespace", "jupyterhub-monitoring");
    assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    assert.deepEqual(
      inNamespace(bundled, "jupyterhub")
        .filter((object) => object.metadata.labels?.component === "monitoring")
        .map((object) => `${object.kind}/${object.metadata.name}`)
        .sort(),
      [
        "Role/jupyterhub-kube-state-metrics",
        "Role/jupyterhub-prometheus-discovery",
        "RoleBinding/jupyterhub-kube-state-metrics",
        "RoleBinding/jupyterhub-prometheus-discovery",
      ],
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

  test("prometheus.yml scrapes the five targets in their namespaces; the rules ConfigMap holds the rule groups", () => {
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
      ["kube-state-metrics", "jupyterhub-monitoring"],
    ]);
    // kube-state-metrics' series name the objects' namespace and pod: its own must not overwrite them.
    assert.equal(config.scrape_configs[4].honor_labels, true);
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

describe("kube-state-metrics: ours with bundled, the cluster's with prometheusOperator", () => {
  test("bundled: one replica of the upstream image as nobody, read-only root, watching only the hub's and the backup's namespaces and the four resources the rules read", () => {
    const deployment = bundled.get("Deployment", "kube-state-metrics");
    assert.equal(deployment.metadata.namespace, "jupyterhub-monitoring");
    const pod = podSpec(deployment);
    assert.equal(pod.serviceAccountName, "kube-state-metrics");
    assert.equal(pod.priorityClassName, "jupyterhub-platform-critical");
    const [container] = pod.containers;
    assert.equal(container.image, "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0");
    assert.deepEqual(container.args, [
      "--port=8080",
      "--telemetry-port=8081",
      "--resources=cronjobs,jobs,pods,resourcequotas",
      "--metric-labels-allowlist=pods=[gpu-jupyterhub/profile]",
      "--namespaces=jupyterhub,jupyterhub-backup",
    ]);
    assert.deepEqual(container.ports, [{ name: "http-metrics", containerPort: 8080 }]);
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
      readOnlyRootFilesystem: true,
    });
    assert.deepEqual(container.resources, {
      requests: { cpu: "20m", memory: "64Mi" },
      limits: { cpu: "200m", memory: "256Mi" },
    });
    assert.equal(container.readinessProbe.httpGet.path, "/readyz");
    assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  });

  test("its account may list and watch cronjobs, jobs, pods and resourcequotas in those two namespaces, and nothing cluster-wide", () => {
    const roles = bundled
      .all("Role")
      .filter((role) => role.metadata.name === "jupyterhub-kube-state-metrics")
      .map((role) => [role.metadata.namespace, role.rules]);
    const rules = [
      { apiGroups: [""], resources: ["pods", "resourcequotas"], verbs: ["list", "watch"] },
      { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: ["list", "watch"] },
    ];
    assert.deepEqual(roles, [
      ["jupyterhub", rules],
      ["jupyterhub-backup", rules],
    ]);
    for (const binding of bundled
      .all("RoleBinding")
      .filter((candidate) => candidate.metadata.name === "jupyterhub-kube-state-metrics")) {
      assert.deepEqual(binding.subjects, [
        { kind: "ServiceAccount", name: "kube-state-metrics", namespace: "jupyterhub-monitoring" },
      ]);
    }
    const clusterWide = [...bundled.all("ClusterRole"), ...bundled.all("ClusterRoleBinding")];
    assert.equal(
      clusterWide.some((object) => object.metadata.name.includes("kube-state-metrics")),
      false,
    );
  });

  test("without backups it watches the hub's namespace only", async () => {
    const config = withMonitoring({ mode: "bundled" });
    config.backup = { ...config.backup, enabled: false };
    const rendered = await render(config);
    const [container] = podSpec(rendered.get("Deployment", "kube-state-metrics")).containers;
    assert.equal(container.args.at(-1), "--namespaces=jupyterhub");
    assert.deepEqual(
      rendered
        .all("Role")
        .filter((role) => role.metadata.name === "jupyterhub-kube-state-metrics")
        .map((role) => role.metadata.namespace),
      ["jupyterhub"],
    );
  });

  test("prometheusOperator: none by default (the cluster's serves the rules); with deploy: true, ours in the operator's namespace with a PodMonitor and its own policy", async () => {
    assert.equal(
      operator.objects.some((object) => object.metadata?.name === "kube-state-metrics"),
      false,
    );
    const deployed = await render(
      withMonitoring({ mode: "prometheusOperator", kubeStateMetrics: { deploy: true } }),
    );
    assert.equal(deployed.get("Deployment", "kube-state-metrics").metadata.namespace, "monitoring");
    const monitor = deployed.get("PodMonitor", "jupyterhub-kube-state-metrics");
    assert.deepEqual(monitor.spec.namespaceSelector, { matchNames: ["monitoring"] });
    assert.equal(monitor.spec.podMetricsEndpoints[0].port, "http-metrics");
    assert.equal(monitor.spec.podMetricsEndpoints[0].honorLabels, true);
    const policy = deployed.get("NetworkPolicy", "kube-state-metrics");
    assert.equal(policy.metadata.namespace, "monitoring");
    assert.deepEqual(policy.spec.ingress[0].from, [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
      },
    ]);
    // A kube-prometheus-stack's own kube-state-metrics (instance: its release) is not selected.
    assert.equal(policy.spec.podSelector.matchLabels["app.kubernetes.io/instance"], "jupyterhub");
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
    const map = new Map<string, Endpoint>([
      ["prometheus", { name: "prometheus", ip: "10.42.3.32", pod: prometheus }],
      ["grafana", other("grafana", "10.42.3.33", "grafana", { "app.kubernetes.io/name": "grafana" })],
      ["hub", pod("Deployment", "hub", "10.42.1.10", "jupyterhub")],
      ["proxy", pod("Deployment", "proxy", "10.42.1.11", "jupyterhub")],
      ["user-scheduler", pod("Deployment", "user-scheduler", "10.42.1.12", "jupyterhub-scheduler")],
      ["hub-db", pod("StatefulSet", "hub-db", "10.42.1.13", "jupyterhub")],
      ["dcgm", other("nvidia-dcgm-exporter-x", "10.42.2.5", "gpu-operator", { app: "nvidia-dcgm-exporter" })],
      ["pypi", { name: "pypi.org", ip: "151.101.0.223" }],
      ["api-server", { name: "kubernetes", ip: "10.43.0.1" }],
    ]);
    const ksm = rendered.all("Deployment").find((object) => object.metadata.name === "kube-state-metrics");
    if (ksm) {
      const labels = ksm.spec.template.metadata.labels;
      map.set("kube-state-metrics", {
        name: "ksm",
        ip: "10.42.3.34",
        pod: { namespace: ksm.metadata.namespace ?? "", labels },
      });
    }
    return map;
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
      ["prometheus", "kube-state-metrics", 8080, true],
      ["prometheus", "kube-state-metrics", 8081, false],
      ["grafana", "kube-state-metrics", 8080, false],
      ["hub", "kube-state-metrics", 8080, false],
      ["kube-state-metrics", "api-server", 443, true],
      ["kube-state-metrics", "hub", 8081, false],
      ["kube-state-metrics", "hub-db", 5432, false],
      ["kube-state-metrics", "pypi", 80, false],
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
