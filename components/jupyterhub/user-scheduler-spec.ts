/**
 * The user scheduler's objects as plain values: its RBAC (the cluster's built-in scheduler roles,
 * bound, never copied, plus a Role for our own lease), the ConfigMap with its
 * KubeSchedulerConfiguration (user-scheduler-config.ts) and the Deployment. Pure.
 */
import type * as pulumi from "@pulumi/pulumi";
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
import type { Grant, PolicyRule } from "../rbac";
import { mountedVolume } from "../volumes";

const CONFIG_DIR = "/etc/user-scheduler";
const CONFIG_FILE = "config.yaml";

/** system:kube-scheduler may update only the lease named kube-scheduler; ours has its own name. */
export const USER_SCHEDULER_LEASE_RULES: PolicyRule[] = [
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
  {
    apiGroups: ["coordination.k8s.io"],
    resources: ["leases"],
    resourceNames: [NAMES.userSchedulerLock],
    verbs: ["get", "update"],
  },
];

/**
 * The built-in roles match the cluster's scheduler version; copying their rules would go stale.
 * `namespaceName` keeps the cluster-wide binding names apart from another hub's on the cluster.
 */
export function userSchedulerGrants(
  name: string,
  namespace: pulumi.Input<string>,
  namespaceName: string,
): Grant[] {
  const builtIn = ["kube-scheduler", "volume-scheduler"].map(
    (role): Grant => ({
      kind: "ClusterRole",
      existingRole: `system:${role}`,
      metadata: objectMeta(`${namespaceName}-user-scheduler-${role}`, undefined, "user-scheduler"),
      resourceNames: { binding: `${name}-${role}` },
    }),
  );
  const lease: Grant = {
    kind: "Role",
    metadata: objectMeta(NAMES.userSchedulerLock, namespace, "user-scheduler"),
    rules: USER_SCHEDULER_LEASE_RULES,
    resourceNames: { role: `${name}-lease`, binding: `${name}-lease` },
  };
  return [...builtIn, lease];
}

export function userSchedulerConfigMap(namespace: pulumi.Input<string>, schedulerConfig: string) {
  return {
    metadata: objectMeta(NAMES.userScheduler, namespace, "user-scheduler"),
    data: { [CONFIG_FILE]: schedulerConfig },
  };
}

/** What the scheduler's pods refer to: the UserScheduler's own account and ConfigMap. */
export interface UserSchedulerPodRefs {
  readonly serviceAccountName: pulumi.Input<string>;
  readonly configMapName: pulumi.Input<string>;
}

/** Deployment `user-scheduler`: kube-scheduler with leader election; a config change rolls it. */
export function userSchedulerDeployment(
  namespace: pulumi.Input<string>,
  userScheduler: PlatformConfig["userScheduler"],
  schedulerConfig: string,
  refs: UserSchedulerPodRefs,
) {
  const config = mountedVolume(
    "config",
    { configMap: { name: refs.configMapName } },
    { mountPath: CONFIG_DIR, readOnly: true },
  );
  const probe = {
    httpGet: { path: "/healthz", port: PORTS.schedulerHealth, scheme: "HTTPS" },
    periodSeconds: 10,
    timeoutSeconds: 3,
  };
  return {
    metadata: objectMeta(NAMES.userScheduler, namespace, "user-scheduler"),
    spec: {
      replicas: userScheduler.replicas,
      selector: { matchLabels: selectorLabels("user-scheduler") },
      template: {
        metadata: {
          labels: labels("user-scheduler"),
          annotations: { "checksum/config": checksum([schedulerConfig]) },
        },
        spec: {
          serviceAccountName: refs.serviceAccountName,
          priorityClassName: PRIORITY_CLASSES.platform,
          securityContext: restrictedPod(),
          containers: [
            {
              name: "kube-scheduler",
              image: userScheduler.image,
              command: [
                "/usr/local/bin/kube-scheduler",
                `--config=${CONFIG_DIR}/${CONFIG_FILE}`,
                // Skips reading the extension-apiserver-authentication ConfigMap in kube-system (z2jh #1894).
                "--authentication-skip-lookup=true",
                "--v=2",
              ],
              resources: containerResources(userScheduler.resources),
              securityContext: restrictedContainer(NOBODY_UID),
              readinessProbe: probe,
              livenessProbe: { ...probe, initialDelaySeconds: 15 },
              volumeMounts: [config.mount],
            },
          ],
          volumes: [config.volume],
        },
      },
    },
  };
}
