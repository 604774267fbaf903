/**
 * For the Python tests (test/hub/test_hub_metrics.py): the bundled Prometheus's prometheus.yml and
 * rules file as the builders render them for the prod config with the monitoring section given.
 *   node --import tsx test/support/print-monitoring.ts '{"monitoring": {...}, "paths": {...}}'
 * prints {"prometheusYml": "...", "rules": "..."} as JSON.
 */
import { stringify } from "yaml";
import { type ConfigPaths, prometheusConfig } from "../../components/cluster/monitoring-prometheus-config";
import { monitoringRuleGroups } from "../../components/cluster/monitoring-rules";
import { scrapeTargets } from "../../components/cluster/monitoring-targets";
import { withMonitoring } from "./monitoring-series";

const request = JSON.parse(process.argv[2] ?? "{}") as { monitoring?: object; paths: ConfigPaths };
const config = withMonitoring({ mode: "bundled", ...request.monitoring });
const prometheusYml = prometheusConfig(config.monitoring, scrapeTargets(config), request.paths);
process.stdout.write(
  JSON.stringify({ prometheusYml, rules: stringify({ groups: monitoringRuleGroups(config) }) }),
);
