/**
 * The audit shipper (audit.shipping): a Filebeat sidecar in the hub pod, its ConfigMap, the hub's
 * file of audit lines, the hub's egress to Elasticsearch, and validation at the stack file's lines.
 * The real Filebeat runs the rendered config in audit-shipper-filebeat.test.ts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { before, describe, test } from "node:test";
import { AUDIT_DIR, AUDIT_FILE_MAX_BYTES } from "../../components/jupyterhub/audit-shipper-spec";
import { loadPlatformConfigFromText } from "../../config/load";
import { FILEBEAT_VERSION } from "../../config/schema/audit";
import { editableProdConfig, PROD_STACK, PROJECT_ROOT } from "../helpers";
import { ES_ADDRESS, SHIPPING, withShipping } from "../support/audit-shipping";
import { canReach, type Endpoint } from "../support/network-reachability";
import { type K8sObject, type Rendered, render } from "./render-helpers";

const ES = ES_ADDRESS;

let on: Rendered;
let off: Rendered;
before(async () => {
  on = await render(withShipping());
  off = await render(editableProdConfig());
});

const hubPod = (rendered: Rendered) => rendered.get("Deployment", "hub").spec.template.spec;
const container = (rendered: Rendered, name: string) =>
  hubPod(rendered).containers.find((c: K8sObject) => c.name === name);

describe("the audit shipper", () => {
  test("off by default: the hub pod has one container and no audit folder, and no ConfigMap is rendered", () => {
    assert.deepEqual(
      hubPod(off).containers.map((c: K8sObject) => c.name),
      ["hub"],
    );
    assert.equal(JSON.stringify(hubPod(off)).includes(AUDIT_DIR), false);
    assert.equal(
      off.all("ConfigMap").some((m) => m.metadata.name === "hub-audit-shipper"),
      false,
    );
  });

  test("the sidecar runs Filebeat's OSS image at the tested version, restricted, with a read-only root", () => {
    const shipper = container(on, "audit-shipper");
    assert.equal(shipper.image, `docker.elastic.co/beats/filebeat-oss:${FILEBEAT_VERSION}`);
    assert.deepEqual(shipper.args, ["-c", "/etc/filebeat/filebeat.yml", "-e"]);
    assert.deepEqual(shipper.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
      readOnlyRootFilesystem: true,
    });
    assert.deepEqual(shipper.resources, {
      requests: { cpu: "20m", memory: "64Mi" },
      limits: { cpu: "200m", memory: "200Mi" },
    });
    const script = readFileSync(path.join(PROJECT_ROOT, "tools", "ensure-filebeat.sh"), "utf8");
    assert.match(script, new RegExp(`^VERSION=${FILEBEAT_VERSION.replaceAll(".", "\\.")} `, "m"));
  });

  test("the hub writes to a bounded emptyDir the sidecar only reads; the login is from the stack's Secret", () => {
    const pod = hubPod(on);
    const volume = pod.volumes.find((v: K8sObject) => v.name === "audit");
    assert.deepEqual(volume, { name: "audit", emptyDir: { sizeLimit: "64Mi" } });
    assert.ok(
      4 * AUDIT_FILE_MAX_BYTES < 64 * 1024 * 1024,
      "two writers' files and copies fit with room to spare",
    );
    const hub = container(on, "hub");
    assert.deepEqual(
      hub.volumeMounts.find((m: K8sObject) => m.name === "audit"),
      { name: "audit", mountPath: AUDIT_DIR },
    );
    assert.deepEqual(
      hub.env.find((e: K8sObject) => e.name === "JUPYTERHUB_AUDIT_DIR"),
      { name: "JUPYTERHUB_AUDIT_DIR", value: AUDIT_DIR },
    );
    const shipper = container(on, "audit-shipper");
    assert.deepEqual(
      shipper.volumeMounts.map((m: K8sObject) => [m.name, m.mountPath, m.readOnly ?? false]),
      [
        ["audit", AUDIT_DIR, true],
        ["audit-shipper-data", "/usr/share/filebeat/data", false],
        ["audit-shipper-config", "/etc/filebeat", true],
        ["audit-shipper-ca", "/etc/filebeat/ca", true],
      ],
    );
    assert.deepEqual(shipper.env, [
      { name: "ES_USERNAME", valueFrom: { secretKeyRef: { name: "es-audit", key: "username" } } },
      { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: "es-audit", key: "password" } } },
    ]);
    const configMap = on.get("ConfigMap", "hub-audit-shipper");
    assert.match(configMap.data["filebeat.yml"], /password: \$\{ES_PASSWORD\}/);
    const apiKey = withShipping({ elasticsearch: { ...SHIPPING.elasticsearch, auth: "apiKey" } });
    assert.ok(apiKey.audit.shipping);
  });

  test("a change of filebeat.yml rolls the hub pod (checksum), so the sidecar reads it", async () => {
    const other = await render(
      withShipping({ elasticsearch: { ...SHIPPING.elasticsearch, index: "audit" } }),
    );
    const sum = (rendered: Rendered) =>
      rendered.get("Deployment", "hub").spec.template.metadata.annotations["checksum/config"];
    assert.notEqual(sum(on), sum(other));
  });

  test("the hub pod reaches Elasticsearch's port at its addresses only, and only with shipping", () => {
    const endpoints = (rendered: Rendered): Record<string, Endpoint> => ({
      hub: {
        name: "hub",
        ip: "10.42.1.10",
        pod: {
          namespace: "jupyterhub",
          labels: rendered.get("Deployment", "hub").spec.template.metadata.labels,
        },
      },
      es: { name: "elasticsearch", ip: ES },
      other: { name: "another campus host", ip: "10.21.7.16" },
    });
    const reach = (rendered: Rendered, to: string, port: number) => {
      const known = endpoints(rendered);
      return canReach(rendered.all("NetworkPolicy"), known.hub as Endpoint, known[to] as Endpoint, port);
    };
    assert.deepEqual(
      [reach(on, "es", 9200), reach(on, "es", 9300), reach(on, "other", 9200), reach(off, "es", 9200)],
      [true, false, false, false],
    );
  });

  test("validation: each mistake at its line in the stack file", () => {
    const block = [
      "  gpu-jupyterhub:audit:",
      "    shipping:",
      "      elasticsearch:",
      "        hosts:",
      "          - http://10.21.7.15:9200",
      "          - https://10.21.9.1:9200",
      "          - https://es.example.org",
      "        addresses: [10.21.7.15/32, 169.254.0.0/16]",
      "        credentialsSecret: es-audit",
      "        index: Audit",
    ];
    const stackText = `${readFileSync(PROD_STACK, "utf8").trimEnd()}\n${block.join("\n")}\n`;
    const result = loadPlatformConfigFromText({ file: "Pulumi.t.yaml", text: stackText }, []);
    const line = (needle: string) => stackText.split("\n").findIndex((text) => text.includes(needle)) + 1;
    const found = result.issues
      .filter((issue) => String(issue.field).startsWith("audit"))
      .map((issue) => `${issue.file}:${issue.position?.line}: ${issue.field}: ${issue.message}`);
    assert.deepEqual(found, [
      `Pulumi.t.yaml:${line("https://es.example.org")}: audit.shipping.elasticsearch.hosts[2]: name the port, e.g. https://es.example.org:9200 (Filebeat's default is 9200)`,
      `Pulumi.t.yaml:${line("index: Audit")}: audit.shipping.elasticsearch.index: must be an Elasticsearch index name: lowercase, no spaces or \\/*?"<>|,#`,
    ]);
    const fixed = stackText
      .replace("index: Audit", "index: audit")
      .replace("es.example.org", "10.21.7.15:9243");
    const rules = loadPlatformConfigFromText({ file: "Pulumi.t.yaml", text: fixed }, [])
      .issues.filter((issue) => String(issue.field).startsWith("audit"))
      .map((issue) => `${issue.position?.line}: ${issue.field}: ${issue.message}`);
    assert.deepEqual(rules, [
      `${line("elasticsearch:")}: audit.shipping: needs usage.enabled: only the usage hooks write audit lines`,
      `${line("http://10.21.7.15")}: audit.shipping.elasticsearch.hosts[0]: "http://10.21.7.15:9200" is plain http: the login in "es-audit" would cross the network in clear; use https`,
      `${line("https://10.21.9.1")}: audit.shipping.elasticsearch.hosts[1]: 10.21.9.1 is not in elasticsearch.addresses (10.21.7.15/32, 169.254.0.0/16): the network policy would block it`,
      `${line("addresses:")}: audit.shipping.elasticsearch.addresses[1]: 169.254.0.0/16 holds the metadata address 169.254.169.254, which stays closed; name the Elasticsearch hosts' addresses`,
    ]);
  });
});
