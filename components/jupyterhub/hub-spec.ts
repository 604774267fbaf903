/**
 * The hub's objects as plain values: its RBAC, ConfigMap `hub` (rendered settings + static
 * files), Deployment `hub` (one replica, Recreate: two hubs must never share a database) and
 * Service `hub`. Pure; hub.ts makes them resources.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { checksum } from "../checksum";
import { ACCESS_LABELS, labels, NAMES, PORTS, PRIORITY_CLASSES, selectorLabels } from "../names";
import {
  containerResources,
  objectMeta,
  restrictedContainer,
  restrictedPod,
  secretEnv,
} from "../pod-defaults";
import type { PolicyRule, RoleGrant } from "../rbac";
import { mountedVolume } from "../volumes";
import type { AuditShipperPod } from "./audit-shipper-spec";
import type { HubFile } from "./hub-files";
import { HUB_CONFIG_DIR, SETTINGS_FILE } from "./hub-settings";
import { DATABASE_PASSWORD_KEY, HUB_SECRET_ENV, HUB_SECRET_KEYS } from "./secret-keys";

/** KubeSpawner creates and deletes user pods and their claims and watches events; nothing else. */
export const HUB_RBAC_RULES: PolicyRule[] = [
  {
    apiGroups: [""],
    resources: ["pods", "persistentvolumeclaims"],
    verbs: ["get", "watch", "list", "create", "delete"],
  },
  { apiGroups: [""], resources: ["events"], verbs: ["get", "watch", "list"] },
];

/** The spawn page's free places (hub.capacity): the namespace's quotas beside its pods and claims. */
export const HUB_CAPACITY_RULES: PolicyRule[] = [
  { apiGroups: [""], resources: ["resourcequotas"], verbs: ["get", "watch", "list"] },
];

/** ...and the nodes' labels and allocatable resources: read only, and nodes hold no secrets. */
export const HUB_NODE_READER_RULES: PolicyRule[] = [
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "watch", "list"] },
];

const HUB_UID = 1000; // the jovyan user of quay.io/jupyterhub/k8s-hub

/** Role `hub` for the hub's service account (resource names as the hub has always had them). */
export function hubGrant(name: string, namespace: pulumi.Input<string>): RoleGrant {
  return {
    kind: "Role",
    metadata: objectMeta(NAMES.hub, namespace, "hub"),
    rules: HUB_RBAC_RULES,
    resourceNames: { role: `${name}-role`, binding: `${name}-rolebinding` },
  };
}

/**
 * What the live capacity reads beyond KubeSpawner's rights: a Role for the quotas, a ClusterRole for
 * the nodes. Not the pods of other namespaces: their specs may hold secrets (docs/profiles.md).
 * `namespaceName` keeps the cluster-wide names apart from another hub's on the cluster.
 */
export function hubCapacityGrants(
  name: string,
  namespace: pulumi.Input<string>,
  namespaceName: string,
): RoleGrant[] {
  return [
    {
      kind: "Role",
      metadata: objectMeta(NAMES.hubCapacity, namespace, "hub"),
      rules: HUB_CAPACITY_RULES,
      resourceNames: { role: `${name}-capacity`, binding: `${name}-capacity` },
    },
    {
      kind: "ClusterRole",
      metadata: objectMeta(`${namespaceName}-hub-node-reader`, undefined, "hub"),
      rules: HUB_NODE_READER_RULES,
      resourceNames: { role: `${name}-node-reader`, binding: `${name}-node-reader` },
    },
  ];
}

/** ConfigMap `hub`: the settings document and every static file, one key each. */
export function hubConfigMap(namespace: pulumi.Input<string>, settings: string, files: readonly HubFile[]) {
  return {
    metadata: objectMeta(NAMES.hubConfigMap, namespace, "hub"),
    data: { [SETTINGS_FILE]: settings, ...Object.fromEntries(files.map((file) => [file.key, file.content])) },
  };
}

/** What the hub's pod refers to: objects of the Hub and of HubSecrets. */
export interface HubPodRefs {
  readonly serviceAccountName: pulumi.Input<string>;
  readonly configMapName: pulumi.Input<string>;
  readonly hubSecretName: pulumi.Input<string>;
  /** Secret `hub-db` of the in-cluster database; absent: the external database's URL is in Secret `hub`. */
  readonly databaseSecretName?: pulumi.Input<string>;
  /** Changes when a value the hub reads from its Secrets changes (HubSecrets.checksum). */
  readonly secretChecksum: pulumi.Input<string>;
  /** Secret `hub` holds the metrics token (monitoring enabled): the hub registers it for Prometheus. */
  readonly metricsToken?: boolean;
  /** Secret `hub` holds the idle-GPU notifier's SMTP password (notifierSmtpLogin). */
  readonly smtpPassword?: boolean;
}

function hubEnv(refs: HubPodRefs): k8s.types.input.core.v1.EnvVar[] {
  const fromHubSecret = (
    key: Exclude<keyof typeof HUB_SECRET_KEYS, "databaseUrl" | "metricsToken" | "smtpPassword">,
  ) => secretEnv(HUB_SECRET_ENV[key], refs.hubSecretName, HUB_SECRET_KEYS[key]);
  return [
    { name: "PYTHONUNBUFFERED", value: "1" },
    { name: "JUPYTERHUB_SETTINGS", value: `${HUB_CONFIG_DIR}/${SETTINGS_FILE}` },
    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    fromHubSecret("proxyAuthToken"),
    fromHubSecret("cookieSecret"),
    fromHubSecret("cryptKey"),
    fromHubSecret("oauthClientSecret"),
    refs.databaseSecretName
      ? secretEnv(HUB_SECRET_ENV.databasePassword, refs.databaseSecretName, DATABASE_PASSWORD_KEY)
      : secretEnv(HUB_SECRET_ENV.databaseUrl, refs.hubSecretName, HUB_SECRET_KEYS.databaseUrl),
    ...(refs.metricsToken
      ? [secretEnv(HUB_SECRET_ENV.metricsToken, refs.hubSecretName, HUB_SECRET_KEYS.metricsToken)]
      : []),
    ...(refs.smtpPassword
      ? [secretEnv(HUB_SECRET_ENV.smtpPassword, refs.hubSecretName, HUB_SECRET_KEYS.smtpPassword)]
      : []),
  ];
}

/**
 * Deployment `hub`; a change of the settings, a file or a secret rolls it (checksum annotations).
 * `shipper`: the audit shipper's sidecar and volumes (audit-shipper-spec.ts), when the stack ships.
 */
export function hubDeployment(
  namespace: pulumi.Input<string>,
  hub: PlatformConfig["hub"],
  settings: string,
  files: readonly HubFile[],
  refs: HubPodRefs,
  shipper?: AuditShipperPod,
) {
  const config = mountedVolume(
    "config",
    {
      configMap: {
        name: refs.configMapName,
        items: [
          { key: SETTINGS_FILE, path: SETTINGS_FILE },
          ...files.map((file) => ({ key: file.key, path: file.path })),
        ],
      },
    },
    { mountPath: HUB_CONFIG_DIR, readOnly: true },
  );
  const probe = (initialDelaySeconds: number, failureThreshold: number) => ({
    httpGet: { path: "/hub/health", port: "http" },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold,
  });
  const podLabels = labels("hub", {
    [ACCESS_LABELS.toProxyApi]: "true",
    [ACCESS_LABELS.toProxyHttp]: "true",
    [ACCESS_LABELS.toSingleuser]: "true",
  });
  return {
    metadata: objectMeta(NAMES.hub, namespace, "hub"),
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: selectorLabels("hub") },
      template: {
        metadata: {
          labels: podLabels,
          annotations: {
            "checksum/config": checksum([
              settings,
              ...files.map((file) => file.content),
              ...(shipper ? [shipper.config] : []),
            ]),
            "checksum/secret": refs.secretChecksum,
          },
        },
        spec: {
          serviceAccountName: refs.serviceAccountName,
          priorityClassName: PRIORITY_CLASSES.platform,
          securityContext: restrictedPod(HUB_UID),
          containers: [
            {
              name: "hub",
              image: hub.image,
              args: ["jupyterhub", "--config", `${HUB_CONFIG_DIR}/jupyterhub_config.py`, "--upgrade-db"],
              env: [...hubEnv(refs), ...(shipper ? [shipper.hubEnv] : [])],
              ports: [{ name: "http", containerPort: PORTS.hub }],
              resources: containerResources(hub.resources),
              securityContext: restrictedContainer(HUB_UID),
              readinessProbe: probe(0, 3),
              livenessProbe: probe(60, 30),
              volumeMounts: [config.mount, ...(shipper ? [shipper.hubMount] : [])],
            },
            ...(shipper ? [shipper.container] : []),
          ],
          // A tuple: the hub's own volume keeps its type for readers of volumes[0].
          volumes: [config.volume, ...(shipper?.volumes ?? [])] as [
            typeof config.volume,
            ...k8s.types.input.core.v1.Volume[],
          ],
        },
      },
    },
  };
}

/** Service `hub`, which the proxy and user servers call and Prometheus scrapes. */
export function hubService(namespace: pulumi.Input<string>) {
  return {
    metadata: {
      ...objectMeta(NAMES.hubService, namespace, "hub"),
      annotations: { "prometheus.io/scrape": "true", "prometheus.io/path": "/hub/metrics" },
    },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels("hub"),
      ports: [{ name: "http", port: PORTS.hub, targetPort: "http", protocol: "TCP" }],
    },
  };
}
