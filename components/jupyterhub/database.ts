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
              containers: [
                {
                  name: "postgres",
                  image: database.image,
                  env: [
                    { name: "POSTGRES_USER", value: "jupyterhub" },
                    { name: "POSTGRES_DB", value: "jupyterhub" },
                    { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                    {
                      name: "POSTGRES_PASSWORD",
                      valueFrom: {
                        secretKeyRef: { name: args.databaseSecretName, key: DATABASE_PASSWORD_KEY },
                      },
                    },
                  ],
                  ports: [{ name: "postgres", containerPort: PORTS.postgres }],
                  resources: containerResources(database.resources),
                  securityContext: restrictedContainer(POSTGRES_UID),
                  readinessProbe: probe(5),
                  livenessProbe: probe(30),
                  volumeMounts: [
                    { name: "data", mountPath: "/var/lib/postgresql/data" },
                    { name: "run", mountPath: "/var/run/postgresql" },
                  ],
                },
              ],
              volumes: [{ name: "run", emptyDir: {} }],
            },
          },
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
