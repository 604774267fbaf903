/**
 * A pre-puller's DaemonSet as a plain value (z2jh's continuous puller): an init container pulls
 * the image and exits, then a pause container holds the pod so the image stays cached. Pure;
 * image-prepuller.ts makes one per target of the plan (image-prepull-plan.ts).
 *
 * Pods run at the users' priority (never preempting anyone), without a service account token and
 * without tolerations: a node users cannot run on needs no user image.
 */
import type * as pulumi from "@pulumi/pulumi";
import { labels, PRIORITY_CLASSES, selectorLabels } from "../names";
import { containerResources, NOBODY_UID, restrictedContainer, restrictedPod } from "../pod-defaults";
import type { PrePullTarget } from "./image-prepull-plan";

/** Enough for `echo` and pause; counted against the namespace quota, so kept tiny. */
const TINY = { cpu: { request: "5m", limit: "50m" }, memory: { request: "8Mi", limit: "32Mi" } };
/** Marks the pods of one pre-puller, so each DaemonSet selects only its own. */
const INSTANCE_LABEL = "app.kubernetes.io/instance";

function affinity(target: PrePullTarget) {
  if (target.affinity.length === 0) return {};
  return {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: target.affinity.map((term) => ({
            matchExpressions: term.matchExpressions.map((requirement) => ({
              key: requirement.key,
              operator: requirement.operator,
              ...(requirement.values ? { values: [...requirement.values] } : {}),
            })),
          })),
        },
      },
    },
  };
}

export function prePullerDaemonSet(
  namespace: pulumi.Input<string>,
  target: PrePullTarget,
  pauseImage: string,
) {
  const podLabels = labels("image-puller", { [INSTANCE_LABEL]: target.name });
  return {
    metadata: {
      name: target.name,
      namespace,
      labels: podLabels,
      annotations: { "gpu-jupyterhub/used-by": target.usedBy.join(",") },
    },
    spec: {
      selector: { matchLabels: { ...selectorLabels("image-puller"), [INSTANCE_LABEL]: target.name } },
      // Pulling on all nodes at once is the point; nothing serves traffic from these pods.
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          priorityClassName: PRIORITY_CLASSES.users,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 0,
          securityContext: restrictedPod(),
          ...affinity(target),
          initContainers: [
            {
              name: "image-pull",
              image: target.image,
              imagePullPolicy: "IfNotPresent",
              command: ["/bin/sh", "-c", "echo Pulling complete"],
              resources: containerResources(TINY),
              securityContext: restrictedContainer(NOBODY_UID),
            },
          ],
          containers: [
            {
              name: "pause",
              image: pauseImage,
              resources: containerResources(TINY),
              securityContext: restrictedContainer(NOBODY_UID),
            },
          ],
        },
      },
    },
  };
}
