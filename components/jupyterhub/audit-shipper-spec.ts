/**
 * The audit shipper (the stack's audit.shipping): a Filebeat sidecar in the hub pod. The hub and its
 * budget enforcer append each audit line to a file of their own in an emptyDir they share with the
 * sidecar (hub/usage_audit.py, rotated at AUDIT_FILE_MAX_BYTES with one old copy, so the volume
 * stays far below its size limit); Filebeat reads only that folder and sends each line to
 * Elasticsearch as a JSON document. No hostPath (restricted Pod Security), and no secret in the
 * ConfigMap: the login comes from the stack's Secret as environment variables. Pure; hub.ts makes
 * the ConfigMap a resource and hub-spec.ts adds the rest to the hub's pod.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { AuditShipping } from "../../config/schema/audit";
import { objectMeta, restrictedContainer, secretEnv } from "../pod-defaults";
import { mountedVolume } from "../volumes";

export const AUDIT_SHIPPER_NAME = "hub-audit-shipper";
/** Where the hub writes its audit files (hub/usage_audit.py reads JUPYTERHUB_AUDIT_DIR). */
export const AUDIT_DIR = "/var/log/jupyterhub-audit";
export const AUDIT_DIR_ENV = "JUPYTERHUB_AUDIT_DIR";
/** hub/usage_audit.py's rotation: each writer keeps its file and one old copy of at most this size. */
export const AUDIT_FILE_MAX_BYTES = 4 * 1024 * 1024;
/** Two writers (hub, budget-enforcer) × two files × 4 MiB = 16 MiB, well below the limit. */
const AUDIT_VOLUME_LIMIT = "64Mi";
/** Filebeat's registry (what it has sent of each file); the image's path.data. */
const DATA_DIR = "/usr/share/filebeat/data";
const CONFIG_DIR = "/etc/filebeat";
const CONFIG_FILE = "filebeat.yml";
const CA_DIR = "/etc/filebeat/ca";
const FILEBEAT_UID = 1000; // the filebeat user of Elastic's image, also the hub's jovyan
/** Filebeat nests each line's fields under this key, clear of its own (event, user are ECS objects). */
export const AUDIT_FIELD = "jupyterhub";

/** Filebeat's reference to an environment variable, filled in when it reads its config. */
const fromEnv = (name: string) => `\${${name}}`;

/** filebeat.yml: the audit folder in, Elasticsearch out; ${ES_…} are filled from the environment. */
export function filebeatConfig(shipping: AuditShipping): string {
  const es = shipping.elasticsearch;
  const field = (name: string) => `${AUDIT_FIELD}.${name}`;
  const login =
    es.credentialsSecret === undefined
      ? {}
      : es.auth === "apiKey"
        ? { api_key: fromEnv("ES_API_KEY") }
        : { username: fromEnv("ES_USERNAME"), password: fromEnv("ES_PASSWORD") };
  const config = {
    "filebeat.inputs": [
      {
        type: "filestream",
        id: "jupyterhub-audit",
        // The live files and their rotated copies: a renamed file keeps its inode, so nothing is sent twice.
        paths: [`${AUDIT_DIR}/*.jsonl*`],
        parsers: [{ ndjson: { target: AUDIT_FIELD, add_error_key: true } }],
      },
    ],
    processors: [
      // Only the hub's audit lines leave the pod (a line that is not one, or not JSON, is dropped).
      { drop_event: { when: { not: { equals: { [field("audit")]: "hub" } } } } },
      {
        timestamp: {
          field: field("time"),
          layouts: ["2006-01-02T15:04:05.999Z"],
          test: ["2026-11-30T15:13:15.123Z"],
        },
      },
      // A line sent again after a restart gets the same _id, and Elasticsearch keeps one copy.
      {
        fingerprint: {
          fields: ["time", "event", "user", "server", "profile"].map(field),
          target_field: "@metadata._id",
          ignore_missing: true,
        },
      },
    ],
    "output.elasticsearch": {
      hosts: [...es.hosts],
      index: es.index,
      ...login,
      ...(es.caSecret ? { "ssl.certificate_authorities": [`${CA_DIR}/ca.crt`] } : {}),
    },
    // The index is the customer's: Filebeat loads no template and no lifecycle policy into it.
    "setup.template.enabled": false,
    "setup.ilm.enabled": false,
    "path.data": DATA_DIR,
  };
  return `# Rendered from the stack's audit.shipping (components/jupyterhub/audit-shipper-spec.ts).\n${stringify(config)}`;
}

/** ConfigMap hub-audit-shipper: filebeat.yml only. */
export function auditShipperConfigMap(namespace: pulumi.Input<string>, shipping: AuditShipping) {
  return {
    metadata: objectMeta(AUDIT_SHIPPER_NAME, namespace, "hub"),
    data: { [CONFIG_FILE]: filebeatConfig(shipping) },
  };
}

function loginEnv(shipping: AuditShipping): k8s.types.input.core.v1.EnvVar[] {
  const { credentialsSecret: secret, auth } = shipping.elasticsearch;
  if (secret === undefined) return [];
  return auth === "apiKey"
    ? [secretEnv("ES_API_KEY", secret, "api-key")]
    : [secretEnv("ES_USERNAME", secret, "username"), secretEnv("ES_PASSWORD", secret, "password")];
}

export interface AuditShipperPod {
  readonly container: k8s.types.input.core.v1.Container;
  readonly volumes: readonly k8s.types.input.core.v1.Volume[];
  readonly hubMount: k8s.types.input.core.v1.VolumeMount;
  readonly hubEnv: k8s.types.input.core.v1.EnvVar;
  /** filebeat.yml, for the pod's checksum: a change of it restarts the sidecar. */
  readonly config: string;
}

/** What the hub's pod gains: the sidecar, its volumes, and the hub's mount and variable for the folder. */
export function auditShipperPod(
  shipping: AuditShipping,
  configMapName: pulumi.Input<string>,
): AuditShipperPod {
  const audit = mountedVolume(
    "audit",
    { emptyDir: { sizeLimit: AUDIT_VOLUME_LIMIT } },
    { mountPath: AUDIT_DIR },
  );
  const data = mountedVolume(
    "audit-shipper-data",
    { emptyDir: { sizeLimit: "64Mi" } },
    { mountPath: DATA_DIR },
  );
  const config = mountedVolume(
    "audit-shipper-config",
    // 0440: Filebeat refuses a config file others may write (strict.perms).
    { configMap: { name: configMapName, defaultMode: 0o440 } },
    { mountPath: CONFIG_DIR, readOnly: true },
  );
  const ca = shipping.elasticsearch.caSecret
    ? [
        mountedVolume(
          "audit-shipper-ca",
          {
            secret: {
              secretName: shipping.elasticsearch.caSecret,
              items: [{ key: "ca.crt", path: "ca.crt" }],
            },
          },
          { mountPath: CA_DIR, readOnly: true },
        ),
      ]
    : [];
  const { cpu, memory } = shipping.resources;
  const container: k8s.types.input.core.v1.Container = {
    name: "audit-shipper",
    image: shipping.image,
    args: ["-c", `${CONFIG_DIR}/${CONFIG_FILE}`, "-e"],
    env: loginEnv(shipping),
    resources: {
      requests: { cpu: cpu.request, memory: memory.request },
      limits: { cpu: cpu.limit, memory: memory.limit },
    },
    securityContext: { ...restrictedContainer(FILEBEAT_UID), readOnlyRootFilesystem: true },
    volumeMounts: [{ ...audit.mount, readOnly: true }, data.mount, config.mount, ...ca.map((v) => v.mount)],
  };
  return {
    container,
    volumes: [audit.volume, data.volume, config.volume, ...ca.map((v) => v.volume)],
    hubMount: audit.mount,
    hubEnv: { name: AUDIT_DIR_ENV, value: AUDIT_DIR },
    config: filebeatConfig(shipping),
  };
}
