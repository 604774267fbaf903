/**
 * The user scheduler: a kube-scheduler (upstream image) with our packing profile, two replicas
 * with leader election, bound to the built-in scheduler roles of the cluster's own version.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { checksum } from "../checksum";
import { labels, NAMES, PORTS, PRIORITY_CLASSES, selectorLabels } from "../names";
import {
  containerResources,
  NOBODY_UID,
  objectMeta,
  restrictedContainer,
  restrictedPod,
} from "../pod-defaults";
import { userSchedulerConfig } from "./user-scheduler-config";

export interface UserSchedulerArgs {
  readonly config: PlatformConfig;
  readonly namespace: pulumi.Input<string>;
}

export class UserScheduler extends pulumi.ComponentResource {
  constructor(name: string, args: UserSchedulerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:UserScheduler", name, {}, opts);
    const child = { parent: this };
    const { config, namespace } = args;
    const meta = (resourceName: string) => objectMeta(resourceName, namespace, "user-scheduler");

    const account = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: meta(NAMES.userScheduler) },
      child,
    );
    const subject = { kind: "ServiceAccount", name: account.metadata.name, namespace };
    // The built-in roles match the cluster's scheduler version; copying their rules would go stale.
    for (const builtIn of ["system:kube-scheduler", "system:volume-scheduler"]) {
      new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-${builtIn.replace("system:", "")}`,
        {
          metadata: {
            name: `${config.cluster.namespace}-user-scheduler-${builtIn.replace("system:", "")}`,
            labels: labels("user-scheduler"),
          },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: builtIn },
          subjects: [subject],
        },
        child,
      );
    }
    // system:kube-scheduler may update only the lease named kube-scheduler; ours has its own name.
    const leaseRole = new k8s.rbac.v1.Role(
      `${name}-lease`,
      {
        metadata: meta(NAMES.userSchedulerLock),
        rules: [
          { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
          {
            apiGroups: ["coordination.k8s.io"],
            resources: ["leases"],
            resourceNames: [NAMES.userSchedulerLock],
            verbs: ["get", "update"],
          },
        ],
      },
      child,
    );
    new k8s.rbac.v1.RoleBinding(
      `${name}-lease`,
      {
        metadata: meta(NAMES.userSchedulerLock),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaseRole.metadata.name },
        subjects: [subject],
      },
      child,
    );

    const schedulerConfig = userSchedulerConfig(config);
    const configMap = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: meta(NAMES.userScheduler), data: { "config.yaml": schedulerConfig } },
      child,
    );
    const probe = {
      httpGet: { path: "/healthz", port: PORTS.schedulerHealth, scheme: "HTTPS" },
      periodSeconds: 10,
      timeoutSeconds: 3,
    };
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta(NAMES.userScheduler),
        spec: {
          replicas: config.userScheduler.replicas,
          selector: { matchLabels: selectorLabels("user-scheduler") },
          template: {
            metadata: {
              labels: labels("user-scheduler"),
              annotations: { "checksum/config": checksum([schedulerConfig]) },
            },
            spec: {
              serviceAccountName: account.metadata.name,
              priorityClassName: PRIORITY_CLASSES.platform,
              securityContext: restrictedPod(),
              containers: [
                {
                  name: "kube-scheduler",
                  image: config.userScheduler.image,
                  command: [
                    "/usr/local/bin/kube-scheduler",
                    "--config=/etc/user-scheduler/config.yaml",
                    // Skips reading the extension-apiserver-authentication ConfigMap in kube-system (z2jh #1894).
                    "--authentication-skip-lookup=true",
                    "--v=2",
                  ],
                  resources: containerResources(config.userScheduler.resources),
                  securityContext: restrictedContainer(NOBODY_UID),
                  readinessProbe: probe,
                  livenessProbe: { ...probe, initialDelaySeconds: 15 },
                  volumeMounts: [{ name: "config", mountPath: "/etc/user-scheduler", readOnly: true }],
                },
              ],
              volumes: [{ name: "config", configMap: { name: configMap.metadata.name } }],
            },
          },
        },
      },
      child,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: meta(NAMES.userScheduler),
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels("user-scheduler") } },
      },
      child,
    );
    this.registerOutputs({});
  }
}
