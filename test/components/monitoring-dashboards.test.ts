/**
 * The Grafana dashboards: every panel's expression parsed by the real promtool and, for the GPU
 * panels, evaluated on the rules' output; the ConfigMaps Grafana's sidecar picks up.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { dashboards } from "../../components/cluster/monitoring-dashboards";
import type { PlatformConfig } from "../../config/schema/platform";
import { expectPass, gpu, ruleTests, slice, withMonitoring } from "../support/monitoring-series";
import { ensureBuilt, folderWith, promtool } from "../support/promtool";
import { type Rendered, render } from "./render-helpers";

let config: PlatformConfig;
let bundled: Rendered;
let operator: Rendered;
before(async () => {
  ensureBuilt("promtool");
  config = withMonitoring({ mode: "bundled" });
  bundled = await render(config);
  operator = await render(withMonitoring({ mode: "prometheusOperator" }));
});

describe("dashboards: every panel's expression is PromQL promtool accepts", () => {
  const panelRules = () =>
    dashboards(config).flatMap((dashboard) =>
      dashboard.panels.flatMap((panel, index) =>
        panel.targets.map((target, ref) => ({
          record: `dashboard:${dashboard.uid.replace(/-/g, "_")}:panel${index + 1}_${ref}`,
          expr: target.expr,
        })),
      ),
    );

  test("check rules: one recording rule per panel expression parses and passes promtool's lint", () => {
    const rules = panelRules();
    assert.ok(rules.length >= 10);
    const folder = folderWith({ "panels.yaml": { groups: [{ name: "dashboard-panels", rules }] } });
    const result = promtool(folder, "check", "rules", "panels.yaml");
    assert.ok(result.ok, result.output);
    assert.match(result.output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  });

  test("test rules: the idle and per-kind panels count what the rules found (2 idle, 3 full GPUs and 1 slice held)", () => {
    const gpuPanels = dashboards(config)[0]?.panels ?? [];
    const expr = (title: string) => gpuPanels.find((panel) => panel.title === title)?.targets[0]?.expr ?? "";
    const tests = ruleTests([
      {
        interval: "1m",
        input_series: [
          gpu("jupyter-alice", "0", "3x40"),
          gpu("jupyter-bob", "1", "95x40"),
          gpu("jupyter-dave", "2", "2x20 90 2x19"),
          slice("jupyter-carol", "7", "0.0625x40"),
        ],
        promql_expr_test: [
          { expr: expr("Idle GPUs now"), eval_time: "31m", exp_samples: [{ labels: "{}", value: 2 }] },
          { expr: expr("Idle GPUs now"), eval_time: "10m", exp_samples: [{ labels: "{}", value: 0 }] },
          {
            expr: expr("GPUs and slices held by users, by kind"),
            eval_time: "5m",
            exp_samples: [
              { labels: "{}", value: 3 },
              { labels: '{GPU_I_PROFILE="1g.5gb"}', value: 1 },
            ],
          },
        ],
      },
    ]);
    expectPass(config, tests);
  });
});

describe("dashboards as ConfigMaps for Grafana's sidecar", () => {
  test('one ConfigMap per dashboard in the monitoring namespace, labelled grafana_dashboard: "1", with the dashboard\'s JSON', () => {
    for (const [rendered, namespace] of [
      [bundled, "jupyterhub-monitoring"],
      [operator, "monitoring"],
    ] as const) {
      for (const uid of ["jupyterhub-gpus", "jupyterhub-hub"]) {
        const map = rendered.get("ConfigMap", `${uid}-dashboard`);
        assert.equal(map.metadata.namespace, namespace);
        assert.equal(map.metadata.labels?.grafana_dashboard, "1");
        const dashboard = JSON.parse(map.data[`${uid}.json`]);
        assert.equal(dashboard.uid, uid);
        assert.ok(dashboard.panels.length >= 4);
        for (const panel of dashboard.panels) {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's data-source variable.
          assert.deepEqual(panel.datasource, { type: "prometheus", uid: "${datasource}" });
          assert.ok(
            panel.targets.every((target: { expr: string }) => target.expr.length > 0),
            panel.title,
          );
        }
      }
    }
  });

  test("dashboards.namespace and labels move and relabel them; dashboards.enabled: false leaves them out", async () => {
    const elsewhere = await render(
      withMonitoring({
        dashboards: { namespace: "grafana", labels: { "grafana.example/dashboard": "yes" } },
      }),
    );
    const map = elsewhere.get("ConfigMap", "jupyterhub-gpus-dashboard");
    assert.equal(map.metadata.namespace, "grafana");
    assert.equal(map.metadata.labels?.["grafana.example/dashboard"], "yes");
    assert.equal(map.metadata.labels?.grafana_dashboard, undefined);
    const none = await render(withMonitoring({ dashboards: { enabled: false } }));
    assert.equal(
      none.all("ConfigMap").some((candidate) => candidate.metadata.name.endsWith("-dashboard")),
      false,
    );
  });
});
