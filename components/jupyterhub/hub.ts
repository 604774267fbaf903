/**
 * The hub: ServiceAccount with the least RBAC KubeSpawner needs, ConfigMap `hub` (static Python +
 * rendered settings), Deployment `hub` (one replica, Recreate: two hubs must never share a
 * database) and Service `hub`.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { checksum } from "../checksum";
import { ACCESS_LABELS, labels, NAMES, PORTS, PRIORITY_CLASSES, selectorLabels } from "../names";
import { containerResources, objectMeta, restrictedContainer, restrictedPod } from "../pod-defaults";
import { type HubSourceFile, mountedHubFiles } from "./hub-files";
import { HUB_CONFIG_DIR, HUB_SECRET_ENV, hubSettingsJson, SETTINGS_FILE } from "./hub-settings";
import { DATABASE_PASSWORD_KEY, HUB_SECRET_KEYS } from "./secrets";

export interface HubArgs {
  readonly config: PlatformConfig;
  readonly namespace: pulumi.Input<string>;
  readonly hubSecretName: pulumi.Input<string>;
  readonly databaseSecretName?: pulumi.Input<string>;
  /** Changes when a value the hub reads from its Secrets changes (HubSecrets.checksum). */
  readonly secretChecksum: pulumi.Input<string>;
  /** The hub/ folder's files (program.ts reads them). */
  readonly files: readonly HubSourceFile[];
}

/** KubeSpawner creates and deletes user pods and their claims and watches events; nothing else. */
export const HUB_RBAC_RULES = [
  {
    apiGroups: [""],
    resources: ["pods", "persistentvolumeclaims"],
    verbs: ["get", "watch", "list", "create", "delete"],
  },
  { apiGroups: [""], resources: ["events"], verbs: ["get", "watch", "list"] },
];

const HUB_UID = 1000; // the jovyan user of quay.io/jupyterhub/k8s-hub

export class Hub extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  readonly deploymentName: pulumi.Output<string>;

  constructor(name: string, args: HubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:Hub", name, {}, opts);
    const child = { parent: this };
    const { config, namespace } = args;

    const account = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: objectMeta(NAMES.hubServiceAccount, namespace, "hub") },
      child,
    );
    const role = new k8s.rbac.v1.Role(
      `${name}-role`,
      { metadata: objectMeta(NAMES.hub, namespace, "hub"), rules: HUB_RBAC_RULES },
      child,
    );
    new k8s.rbac.v1.RoleBinding(
      `${name}-rolebinding`,
      {
        metadata: objectMeta(NAMES.hub, namespace, "hub"),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
      },
      child,
    );

    const files = mountedHubFiles(args.files);
    const settings = hubSettingsJson(config);
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: objectMeta(NAMES.hubConfigMap, namespace, "hub"),
        data: {
          [SETTINGS_FILE]: settings,
          ...Object.fromEntries(files.map((file) => [file.key, file.content])),
        },
      },
      child,
    );

    const fromSecret = (envName: string, secretName: pulumi.Input<string>, key: string) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: secretName, key } },
    });
    const databaseEnv =
      config.database.type === "postgres" && args.databaseSecretName
        ? [fromSecret(HUB_SECRET_ENV.databasePassword, args.databaseSecretName, DATABASE_PASSWORD_KEY)]
        : [fromSecret(HUB_SECRET_ENV.databaseUrl, args.hubSecretName, HUB_SECRET_KEYS.databaseUrl)];
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
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: objectMeta(NAMES.hub, namespace, "hub"),
        spec: {
          replicas: 1,
          strategy: { type: "Recreate" },
          selector: { matchLabels: selectorLabels("hub") },
          template: {
            metadata: {
              labels: podLabels,
              annotations: {
                "checksum/config": checksum([settings, ...files.map((file) => file.content)]),
                "checksum/secret": args.secretChecksum,
              },
            },
            spec: {
              serviceAccountName: account.metadata.name,
              priorityClassName: PRIORITY_CLASSES.platform,
              securityContext: restrictedPod(HUB_UID),
              containers: [
                {
                  name: "hub",
                  image: config.hub.image,
                  args: ["jupyterhub", "--config", `${HUB_CONFIG_DIR}/jupyterhub_config.py`, "--upgrade-db"],
                  env: [
                    { name: "PYTHONUNBUFFERED", value: "1" },
                    { name: "JUPYTERHUB_SETTINGS", value: `${HUB_CONFIG_DIR}/${SETTINGS_FILE}` },
                    { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                    fromSecret(
                      HUB_SECRET_ENV.proxyAuthToken,
                      args.hubSecretName,
                      HUB_SECRET_KEYS.proxyAuthToken,
                    ),
                    fromSecret(HUB_SECRET_ENV.cookieSecret, args.hubSecretName, HUB_SECRET_KEYS.cookieSecret),
                    fromSecret(HUB_SECRET_ENV.cryptKey, args.hubSecretName, HUB_SECRET_KEYS.cryptKey),
                    fromSecret(
                      HUB_SECRET_ENV.oauthClientSecret,
                      args.hubSecretName,
                      HUB_SECRET_KEYS.oauthClientSecret,
                    ),
                    ...databaseEnv,
                  ],
                  ports: [{ name: "http", containerPort: PORTS.hub }],
                  resources: containerResources(config.hub.resources),
                  securityContext: restrictedContainer(HUB_UID),
                  readinessProbe: probe(0, 3),
                  livenessProbe: probe(60, 30),
                  volumeMounts: [{ name: "config", mountPath: HUB_CONFIG_DIR, readOnly: true }],
                },
              ],
              volumes: [
                {
                  name: "config",
                  configMap: {
                    name: configMap.metadata.name,
                    items: [
                      { key: SETTINGS_FILE, path: SETTINGS_FILE },
                      ...files.map((file) => ({ key: file.key, path: file.path })),
                    ],
                  },
                },
              ],
            },
          },
        },
      },
      child,
    );
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: {
          ...objectMeta(NAMES.hubService, namespace, "hub"),
          annotations: { "prometheus.io/scrape": "true", "prometheus.io/path": "/hub/metrics" },
        },
        spec: {
          type: "ClusterIP",
          selector: selectorLabels("hub"),
          ports: [{ name: "http", port: PORTS.hub, targetPort: "http", protocol: "TCP" }],
        },
      },
      child,
    );
    this.serviceName = service.metadata.name;
    this.deploymentName = deployment.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
