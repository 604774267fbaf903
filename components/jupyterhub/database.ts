/**
 * The hub's database when it runs in the cluster: PostgreSQL as a StatefulSet with its own volume
 * and a headless Service, the password from the generated Secret `hub-db` (database-spec.ts). With
 * an external database the Platform makes none of this.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { databaseService, databaseStatefulSet, type PostgresDatabase } from "./database-spec";

/** sim/postgres.ts runs the same script against a real PostgreSQL. */

export interface DatabaseArgs {
  readonly config: { readonly database: PostgresDatabase };
  readonly namespace: pulumi.Input<string>;
  /** Secret `hub-db` (HubSecrets), which holds the password the hub and PostgreSQL share. */
  readonly databaseSecretName: pulumi.Input<string>;
}

export class Database extends pulumi.ComponentResource {
  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:Database", name, {}, opts);
    const child = { parent: this };
    const { namespace } = args;

    const service = new k8s.core.v1.Service(`${name}-service`, databaseService(namespace), child);
    new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      databaseStatefulSet(namespace, args.config.database, {
        serviceName: service.metadata.name,
        databaseSecretName: args.databaseSecretName,
      }),
      child,
    );
    this.registerOutputs({});
  }
}
