/**
 * The hub's database: an in-cluster PostgreSQL (StatefulSet with its own volume, password from the
 * generated Secret `hub-db`), or nothing when config points the hub at an external database.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { labels, NAMES, PORTS, PRIORITY_CLASSES, selectorLabels } from "../names";
import { containerResources, objectMeta, restrictedContainer, restrictedPod } from "../pod-defaults";
import { DATABASE_PASSWORD_KEY } from "./secrets";

export interface DatabaseArgs {
  readonly config: PlatformConfig & { database: { type: "postgres" } };
  readonly namespace: pulumi.Input<string>;
  readonly databaseSecretName: pulumi.Input<string>;
}

const POSTGRES_UID = 999; // the postgres user of the official image
const DATA_DIR = "/var/lib/postgresql/data";

/**
 * The image sets POSTGRES_PASSWORD only when it creates the data directory. After `pulumi destroy`
 * and `up` the claim (and its data) is still there but the generated password is new: this sets
 * the Secret's current password on the existing data before the server starts (single-user mode,
 * no network). The password is alphanumeric (RandomPassword special: false), so quoting is safe.
 */
export const PASSWORD_FOLLOWS_SECRET = [
  "set -eu",
  'if [ -s "$PGDATA/PG_VERSION" ]; then',
  `  echo "ALTER ROLE jupyterhub PASSWORD '$POSTGRES_PASSWORD';" | postgres --single -D "$PGDATA" jupyterhub >/dev/null`,
  "fi",
].join("\n");

export class Database extends pulumi.ComponentResource {
  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:Database", name, {}, opts);
    const child = { parent: this };
    const { config, namespace } = args;
    const database = config.database;
    const probe = (initialDelaySeconds: number) => ({
      exec: { command: ["pg_isready", "-U", "jupyterhub", "-d", "jupyterhub", "-h", "127.0.0.1"] },
      initialDelaySeconds,
      periodSeconds: 10,
      timeoutSeconds: 5,
    });
    const env = [
      { name: "POSTGRES_USER", value: "jupyterhub" },
      { name: "POSTGRES_DB", value: "jupyterhub" },
      { name: "PGDATA", value: `${DATA_DIR}/pgdata` },
      {
        name: "POSTGRES_PASSWORD",
        valueFrom: { secretKeyRef: { name: args.databaseSecretName, key: DATABASE_PASSWORD_KEY } },
      },
    ];
    const volumeMounts = [
      { name: "data", mountPath: DATA_DIR },
      { name: "run", mountPath: "/var/run/postgresql" },
    ];
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: objectMeta(NAMES.hubDatabase, namespace, "hub-db"),
        spec: {
          clusterIP: "None",
          selector: selectorLabels("hub-db"),
          ports: [{ name: "postgres", port: PORTS.postgres, targetPort: "postgres", protocol: "TCP" }],
        },
      },
      child,
    );
    new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: objectMeta(NAMES.hubDatabase, namespace, "hub-db"),
        spec: {
          serviceName: service.metadata.name,
          replicas: 1,
          selector: { matchLabels: selectorLabels("hub-db") },
          template: {
            metadata: { labels: labels("hub-db") },
            spec: {
              priorityClassName: PRIORITY_CLASSES.platform,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: restrictedPod(POSTGRES_UID),
              initContainers: [
                {
                  name: "password-follows-secret",
                  image: database.image,
                  command: ["sh", "-c", PASSWORD_FOLLOWS_SECRET],
                  env,
                  resources: containerResources(database.resources),
                  securityContext: restrictedContainer(POSTGRES_UID),
                  volumeMounts,
                },
              ],
              containers: [
                {
                  name: "postgres",
                  image: database.image,
                  env,
                  ports: [{ name: "postgres", containerPort: PORTS.postgres }],
                  resources: containerResources(database.resources),
                  securityContext: restrictedContainer(POSTGRES_UID),
                  readinessProbe: probe(5),
                  livenessProbe: probe(30),
                  volumeMounts,
                },
              ],
              volumes: [{ name: "run", emptyDir: {} }],
            },
          },
          // The default, written down: neither deleting the StatefulSet (pulumi destroy) nor
          // scaling it down deletes the database's claim.
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
          volumeClaimTemplates: [
            {
              metadata: { name: "data", labels: labels("hub-db") },
              spec: {
                accessModes: ["ReadWriteOnce"],
                ...(database.storageClass ? { storageClassName: database.storageClass } : {}),
                resources: { requests: { storage: database.size } },
              },
            },
          ],
        },
      },
      child,
    );
    this.registerOutputs({});
  }
}
