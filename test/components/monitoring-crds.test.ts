/**
 * The prometheusOperator mode's PodMonitors and PrometheusRule against the Prometheus Operator's own
 * CRD schemas (v0.93.0, from the operator's Go module through the Go module proxy, checksum pinned):
 * every field we write is one the CRD declares, with its type and enum, and required fields are set.
 * The API server would silently prune an unknown (misspelt) field, and the operator would then scrape
 * without the token or on the wrong port, so this is checked here rather than left to a deploy.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { parse } from "yaml";
import { withMonitoring } from "../support/monitoring-series";
import { type K8sObject, render } from "./render-helpers";

const OPERATOR_MODULE = "github.com/prometheus-operator/prometheus-operator@v0.93.0";
const OPERATOR_MODULE_SUM = "h1:AohlYJT+En8TmNpAcEUJ3GsaJTAqfEBwHmGTVpRm/Io=";

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

/** The CRD's schema of its v1 version, from the operator's module (downloaded once into Go's cache). */
function crdSchema(plural: string): Schema {
  const result = spawnSync("go", ["mod", "download", "-json", OPERATOR_MODULE], {
    cwd: mkdtempSync(path.join(tmpdir(), "operator-crd-")),
    encoding: "utf8",
    env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" },
    timeout: 300_000,
  });
  assert.equal(result.status, 0, `go mod download ${OPERATOR_MODULE}:\n${result.stdout}${result.stderr}`);
  const module = JSON.parse(result.stdout) as { Dir: string; Sum: string };
  assert.equal(module.Sum, OPERATOR_MODULE_SUM);
  const file = path.join(
    module.Dir,
    "example",
    "prometheus-operator-crd",
    `monitoring.coreos.com_${plural}.yaml`,
  );
  const crd = parse(readFileSync(file, "utf8"));
  const version = crd.spec.versions.find((candidate: { name: string }) => candidate.name === "v1");
  return version.schema.openAPIV3Schema as Schema;
}

/** Where `value` departs from `schema`: undeclared fields, wrong types, values outside an enum, missing required fields. */
function schemaProblems(value: unknown, schema: Schema, at = ""): string[] {
  if (schema["x-kubernetes-preserve-unknown-fields"]) return [];
  if (schema["x-kubernetes-int-or-string"]) {
    return typeof value === "number" || typeof value === "string" ? [] : [`${at}: int or string`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in the enum`];
  switch (schema.type) {
    case "string":
      return typeof value === "string" ? [] : [`${at}: not a string`];
    case "integer":
      return Number.isInteger(value) ? [] : [`${at}: not an integer`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${at}: not a boolean`];
    case "array":
      if (!Array.isArray(value)) return [`${at}: not an array`];
      return value.flatMap((item, index) =>
        schema.items ? schemaProblems(item, schema.items, `${at}[${index}]`) : [],
      );
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return [`${at}: not an object`];
      const record = value as Record<string, unknown>;
      const missing = (schema.required ?? [])
        .filter((key) => !(key in record))
        .map((key) => `${at}.${key}: required`);
      return [
        ...missing,
        ...Object.entries(record).flatMap(([key, field]) => {
          const declared = schema.properties?.[key];
          if (declared) return schemaProblems(field, declared, `${at}.${key}`);
          const extra = schema.additionalProperties;
          if (typeof extra === "object") return schemaProblems(field, extra, `${at}.${key}`);
          return extra === true ? [] : [`${at}.${key}: not declared by the CRD`];
        }),
      ];
    }
    default:
      return [];
  }
}

let objects: K8sObject[];
let podMonitors: Schema;
let prometheusRules: Schema;
before(async () => {
  podMonitors = crdSchema("podmonitors");
  prometheusRules = crdSchema("prometheusrules");
  objects = (await render(withMonitoring({ mode: "prometheusOperator" }))).objects;
});

const specOf = (object: K8sObject) => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  spec: object.spec,
});

describe("prometheusOperator objects against the operator's CRDs (v0.93.0)", () => {
  test("every PodMonitor uses only fields the CRD declares, with their types", () => {
    const monitors = objects.filter((object) => object.kind === "PodMonitor");
    assert.equal(monitors.length, 4);
    for (const monitor of monitors) {
      assert.deepEqual(schemaProblems(specOf(monitor), podMonitors), [], monitor.metadata.name);
    }
  });

  test("the PrometheusRule too", () => {
    const [rule] = objects.filter((object) => object.kind === "PrometheusRule");
    assert.ok(rule);
    assert.deepEqual(schemaProblems(specOf(rule), prometheusRules), []);
  });

  test("the check itself finds a misspelt field, a wrong type and a missing key", () => {
    const monitor = objects.find((object) => object.kind === "PodMonitor") as K8sObject;
    const [endpoint] = monitor.spec.podMetricsEndpoints;
    const broken = {
      ...specOf(monitor),
      spec: {
        ...monitor.spec,
        podMetricsEndpoints: [
          { ...endpoint, tlsconfig: {}, honorLabels: "yes", authorization: { credentials: {} } },
        ],
      },
    };
    assert.deepEqual(schemaProblems(broken, podMonitors).sort(), [
      ".spec.podMetricsEndpoints[0].authorization.credentials.key: required",
      ".spec.podMetricsEndpoints[0].honorLabels: not a boolean",
      ".spec.podMetricsEndpoints[0].tlsconfig: not declared by the CRD",
    ]);
  });
});
