/**
 * The in-cluster PostgreSQL as plain values: the headless Service `hub-db` and the StatefulSet
 * with its own claim, the password from Secret `hub-db`. Pure; database.ts makes them resources.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { DATABASE, labels, NAMES, PORTS, PRIORITY_CLASSES, selectorLabels } from "../names";
import {
  containerResources,
  objectMeta,
  restrictedContainer,
  restrictedPod,
  secretEnv,
} from "../pod-defaults";
import { mountedClaim, mountedVolume } from "../volumes";
import { DATABASE_PASSWORD_KEY } from "./secret-keys";

/** The database section when the database runs in the cluster. */
export type PostgresDatabase = Extract<PlatformConfig["database"], { type: "postgres" }>;

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
  `  echo "ALTER ROLE ${DATABASE.user} PASSWORD '$POSTGRES_PASSWORD';" | postgres --single -D "$PGDATA" ${DATABASE.name} >/dev/null`,
  "fi",
].join("\n");

/** Service `hub-db`: headless, the StatefulSet's pod by name. */
export function databaseService(namespace: pulumi.Input<string>) {
  return {
    metadata: objectMeta(NAMES.hubDatabase, namespace, "hub-db"),
    spec: {
      clusterIP: "None",
      selector: selectorLabels("hub-db"),
      ports: [{ name: "postgres", port: PORTS.postgres, targetPort: "postgres", protocol: "TCP" }],
    },
  };
}

/** What the database's pod refers to: its Service, and Secret `hub-db` of HubSecrets. */
export interface DatabasePodRefs {
  readonly serviceName: pulumi.Input<string>;
  readonly databaseSecretName: pulumi.Input<string>;
}

/** StatefulSet `hub-db`: one PostgreSQL whose claim outlives the StatefulSet. */
export function databaseStatefulSet(
  namespace: pulumi.Input<string>,
  database: PostgresDatabase,
  refs: DatabasePodRefs,
) {
  const probe = (initialDelaySeconds: number) => ({
    exec: { command: ["pg_isready", "-U", DATABASE.user, "-d", DATABASE.name, "-h", "127.0.0.1"] },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 5,
  });
  const env = [
    { name: "POSTGRES_USER", value: DATABASE.user },
    { name: "POSTGRES_DB", value: DATABASE.name },
    { name: "PGDATA", value: `${DATA_DIR}/pgdata` },
    secretEnv("POSTGRES_PASSWORD", refs.databaseSecretName, DATABASE_PASSWORD_KEY),
  ];
  const data = mountedClaim(
    "data",
    labels("hub-db"),
    {
      accessModes: ["ReadWriteOnce"],
      ...(database.storageClass ? { storageClassName: database.storageClass } : {}),
      resources: { requests: { storage: database.size } },
    },
    { mountPath: DATA_DIR },
  );
  const run = mountedVolume("run", { emptyDir: {} }, { mountPath: "/var/run/postgresql" });
  const container = {
    image: database.image,
    env,
    resources: containerResources(database.resources),
    securityContext: restrictedContainer(POSTGRES_UID),
    volumeMounts: [data.mount, run.mount],
  };
  return {
    metadata: objectMeta(NAMES.hubDatabase, namespace, "hub-db"),
    spec: {
      serviceName: refs.serviceName,
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
            { ...container, name: "password-follows-secret", command: ["sh", "-c", PASSWORD_FOLLOWS_SECRET] },
          ],
          containers: [
            {
              ...container,
              name: "postgres",
              ports: [{ name: "postgres", containerPort: PORTS.postgres }],
              readinessProbe: probe(5),
              livenessProbe: probe(30),
            },
          ],
          volumes: [run.volume],
        },
      },
      // The default, written down: neither deleting the StatefulSet (pulumi destroy) nor
      // scaling it down deletes the database's claim.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      volumeClaimTemplates: [data.template],
    },
  };
}
