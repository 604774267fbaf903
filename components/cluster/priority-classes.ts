/** PriorityClasses: platform pods (hub, proxy, scheduler, database) above user pods, so users never evict them. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { PRIORITY_CLASSES } from "../names";

export function priorityClasses(
  name: string,
  config: Pick<PlatformConfig, "priorityClasses">,
  opts: pulumi.CustomResourceOptions,
) {
  const make = (suffix: string, className: string, value: number, description: string) =>
    new k8s.scheduling.v1.PriorityClass(
      `${name}-${suffix}`,
      {
        metadata: { name: className, labels: { "app.kubernetes.io/part-of": "gpu-jupyterhub" } },
        value,
        globalDefault: false,
        preemptionPolicy: suffix === "users" ? "Never" : "PreemptLowerPriority",
        description,
      },
      opts,
    );
  return {
    platform: make(
      "platform",
      PRIORITY_CLASSES.platform,
      config.priorityClasses.platform,
      "JupyterHub platform pods",
    ),
    // Users never preempt each other: a waiting student must not evict a running one.
    users: make("users", PRIORITY_CLASSES.users, config.priorityClasses.users, "JupyterHub user servers"),
  };
}
