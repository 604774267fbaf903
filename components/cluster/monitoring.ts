/**
 * Monitoring: what Prometheus scrapes, its rules, and the hub's metrics token where the scraper
 * reads it; for a Prometheus Operator the cluster runs (PodMonitors, PrometheusRule) or a Prometheus
 * of our own in its namespace (`bundled`); kube-state-metrics when we run it. Assembled from
 * monitoring-*.ts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { kubeStateMetricsDeployed, monitoringNamespace } from "../../config/schema/monitoring";
import { NAMES } from "../names";
import { objectMeta } from "../pod-defaults";
import { roleBinding } from "../rbac";
import { serviceAccountWithRoles } from "../service-account";
import { dashboardConfigMaps } from "./monitoring-dashboards";
import {
  kubeStateMetricsDeployment,
  kubeStateMetricsGrants,
  kubeStateMetricsPolicyRules,
} from "./monitoring-kube-state-metrics";
import { metricsReaderTokenSecret, podMonitor, prometheusRule } from "./monitoring-operator-spec";
import { prometheusConfig } from "./monitoring-prometheus-config";
import { monitoringRuleGroups, type RuleGroup } from "./monitoring-rules";
import {
  bundledPolicyRules,
  bundledPrometheusGrants,
  hubMetricsTokenSecret,
  MONITORING_NAMES,
  metricsReaderGrant,
  prometheusConfigMaps,
  prometheusDeployment,
  prometheusService,
  schedulerAuthDelegatorGrant,
} from "./monitoring-spec";
import {
  BUNDLED_PROMETHEUS_LABELS,
  KUBE_STATE_METRICS,
  type MonitoringConfig,
  type ScrapeTarget,
  scrapeTargets,
} from "./monitoring-targets";
import { podSecurityNamespace } from "./namespace";
import { networkPolicy } from "./network-policies";

export interface MonitoringArgs {
  readonly config: MonitoringConfig;
  /** The hub's metrics token (HubSecrets, scope read:metrics), copied to where the scraper reads it. */
  readonly hubMetricsToken?: pulumi.Input<string>;
  /** The namespaces other components made, by name, so objects placed in them come after them. */
  readonly namespaces: Readonly<Record<string, pulumi.Input<string>>>;
}

interface Parts {
  readonly namespace: pulumi.Output<string>;
  /** The hub's metrics token's Secret, when the hub is scraped. */
  readonly tokenSecret?: pulumi.Output<string>;
  readonly targets: readonly ScrapeTarget[];
  readonly groups: RuleGroup[];
  readonly placedIn: (namespace: string) => pulumi.Input<string>;
}

export class Monitoring extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:cluster:Monitoring", name, {}, opts);
    const child = { parent: this };
    const { config } = args;
    const { monitoring } = config;
    const targets = scrapeTargets(config);
    const groups = monitoringRuleGroups(config);
    const namespace =
      monitoring.mode === "bundled"
        ? podSecurityNamespace(`${name}-namespace`, monitoringNamespace(monitoring), "restricted", child)
            .metadata.name
        : pulumi.output(monitoringNamespace(monitoring));
    const placed = { ...args.namespaces, [monitoringNamespace(monitoring)]: namespace };
    const placedIn = (scraped: string) => placed[scraped] ?? scraped;

    const token = args.hubMetricsToken ? hubMetricsTokenSecret(namespace, args.hubMetricsToken) : undefined;
    const tokenSecret = token
      ? new k8s.core.v1.Secret(`${name}-hub-token`, token, child).metadata.name
      : undefined;
    if (targets.some((target) => target.auth === "serviceAccount")) {
      const subject = { name: NAMES.userScheduler, namespace: placedIn(config.userScheduler.namespace) };
      const grant = schedulerAuthDelegatorGrant(name);
      const binding = roleBinding(grant, grant.existingRole, subject);
      new k8s.rbac.v1.ClusterRoleBinding(grant.resourceNames.binding, binding, child);
    }
    if (monitoring.mode === "bundled") {
      this.bundledPrometheus(name, args, { namespace, tokenSecret, targets, groups, placedIn });
    } else {
      this.operatorObjects(name, args, { namespace, tokenSecret, targets, groups, placedIn });
    }

    if (kubeStateMetricsDeployed(monitoring)) this.kubeStateMetrics(name, config, namespace, placedIn);
    if (monitoring.dashboards.enabled) {
      for (const map of dashboardConfigMaps(config, namespace)) {
        new k8s.core.v1.ConfigMap(`${name}-${map.metadata.name}`, map, child);
      }
    }

    this.namespace = namespace;
    this.registerOutputs({ namespace: this.namespace });
  }

  private bundledPrometheus(name: string, args: MonitoringArgs, parts: Parts) {
    const child = { parent: this };
    const { namespace, targets } = parts;
    // Roles in the target namespaces name them by the other components' outputs (created first).
    const grants = bundledPrometheusGrants(name, targets, parts.placedIn);
    const account = serviceAccountWithRoles(
      name,
      objectMeta(MONITORING_NAMES.prometheus, namespace, "monitoring", BUNDLED_PROMETHEUS_LABELS),
      grants,
      child,
    );
    const files = {
      config: prometheusConfig(args.config.monitoring, targets),
      rules: stringify({ groups: parts.groups }),
    };
    const maps = prometheusConfigMaps(namespace, files.config, files.rules);
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, maps.config, child);
    const rulesMap = new k8s.core.v1.ConfigMap(`${name}-rules`, maps.rules, child);
    for (const rules of bundledPolicyRules(args.config, targets)) {
      networkPolicy(`${name}-netpol-${rules.name}`, rules, namespace, child);
    }
    const refs = {
      serviceAccountName: account.metadata.name,
      configMapName: configMap.metadata.name,
      rulesConfigMapName: rulesMap.metadata.name,
      ...(parts.tokenSecret ? { hubTokenSecretName: parts.tokenSecret } : {}),
    };
    const deployment = prometheusDeployment(namespace, args.config, files, refs);
    new k8s.apps.v1.Deployment(`${name}-prometheus`, deployment, child);
    new k8s.core.v1.Service(`${name}-prometheus-service`, prometheusService(namespace), child);
  }

  private kubeStateMetrics(
    name: string,
    config: MonitoringConfig,
    namespace: pulumi.Output<string>,
    placedIn: (namespace: string) => pulumi.Input<string>,
  ) {
    const child = { parent: this };
    const account = serviceAccountWithRoles(
      `${name}-kube-state-metrics`,
      objectMeta(KUBE_STATE_METRICS.name, namespace, "monitoring", KUBE_STATE_METRICS.labels),
      kubeStateMetricsGrants(name, config, placedIn),
      child,
    );
    networkPolicy(`${name}-netpol-kube-state-metrics`, kubeStateMetricsPolicyRules(config), namespace, child);
    const deployment = kubeStateMetricsDeployment(namespace, config, account.metadata.name);
    new k8s.apps.v1.Deployment(`${name}-kube-state-metrics`, deployment, child);
  }

  private operatorObjects(name: string, args: MonitoringArgs, parts: Parts) {
    const child = { parent: this };
    const { namespace, targets } = parts;
    const { config } = args;
    if (targets.some((target) => target.auth === "serviceAccount")) {
      const account = serviceAccountWithRoles(
        `${name}-reader`,
        objectMeta(MONITORING_NAMES.metricsReader, namespace, "monitoring"),
        [metricsReaderGrant(name)],
        child,
      );
      new k8s.core.v1.Secret(
        `${name}-reader-token`,
        metricsReaderTokenSecret(namespace, account.metadata.name),
        child,
      );
    }
    for (const target of targets) {
      const monitor = podMonitor(target, namespace, config, parts.tokenSecret);
      new k8s.apiextensions.CustomResource(`${name}-${target.job}`, monitor, child);
    }
    new k8s.apiextensions.CustomResource(
      `${name}-rules`,
      prometheusRule(namespace, config, parts.groups),
      child,
    );
  }
}
