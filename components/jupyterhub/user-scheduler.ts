/**
 * The user scheduler: a kube-scheduler (upstream image) with our packing profile
 * (user-scheduler-config.ts), replicas with leader election, bound to the built-in scheduler
 * roles of the cluster's own version; assembled from user-scheduler-spec.ts.
 *
 * It runs in a namespace of its own (userScheduler.namespace), never the hub's: a pod can use any
 * ServiceAccount of its namespace, so a compromised hub, which may create pods in its namespace,
 * could otherwise start one with the scheduler's token and its cluster-wide rights (bind any pod,
 * read every pod, node and claim). It watches pods cluster-wide anyway; its lease and RBAC move with it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES } from "../names";
import { maxOneUnavailable, objectMeta } from "../pod-defaults";
import { serviceAccountWithRoles } from "../service-account";
import { userSchedulerConfig } from "./user-scheduler-config";
import { userSchedulerConfigMap, userSchedulerDeployment, userSchedulerGrants } from "./user-scheduler-spec";

export interface UserSchedulerArgs {
  readonly config: Pick<PlatformConfig, "userScheduler" | "cluster" | "nodes">;
  /** The scheduler's own namespace (userScheduler.namespace), made by the Platform. */
  readonly namespace: pulumi.Input<string>;
}

export class UserScheduler extends pulumi.ComponentResource {
  constructor(name: string, args: UserSchedulerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:UserScheduler", name, {}, opts);
    const child = { parent: this };
    const { config, namespace } = args;

    const account = serviceAccountWithRoles(
      name,
      objectMeta(NAMES.userScheduler, namespace, "user-scheduler"),
      userSchedulerGrants(name, namespace, config.cluster.namespace),
      child,
    );
    const schedulerConfig = userSchedulerConfig(config);
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      userSchedulerConfigMap(namespace, schedulerConfig),
      child,
    );
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      userSchedulerDeployment(namespace, config.userScheduler, schedulerConfig, {
        serviceAccountName: account.metadata.name,
        configMapName: configMap.metadata.name,
      }),
      child,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      maxOneUnavailable(NAMES.userScheduler, namespace, "user-scheduler"),
      child,
    );
    this.registerOutputs({});
  }
}
