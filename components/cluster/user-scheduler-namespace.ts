/**
 * The user scheduler's own namespace (userScheduler.namespace): Pod Security restricted, and closed
 * by NetworkPolicies except the scheduler's calls to the API server and DNS. Kept apart from the
 * hub's namespace so that no pod the hub creates can use the scheduler's ServiceAccount
 * (components/jupyterhub/user-scheduler.ts says why).
 *
 * Interim, until network-policy-rules.ts has rules of its own for this namespace: the policies are
 * the hub namespace's `default-deny` and `user-scheduler` rules, which name nothing of the hub's
 * namespace (the scheduler's pods by their labels, the API server and DNS by address and namespace),
 * so they mean the same here.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { NAMES } from "../names";
import { podSecurityNamespace } from "./namespace";
import { networkPolicy } from "./network-policies";
import {
  type NetworkPolicyConfig,
  type NetworkPolicyRules,
  networkPolicyRules,
} from "./network-policy-rules";

/** The scheduler namespace's policies: deny everything, then the scheduler's API server and DNS. */
export function userSchedulerPolicyRules(config: NetworkPolicyConfig): NetworkPolicyRules[] {
  const wanted = new Set<string>([NAMES.defaultDenyPolicy, NAMES.userScheduler]);
  return networkPolicyRules(config).filter((rules) => wanted.has(rules.name));
}

/** The namespace and its policies; returns the namespace's name for the scheduler's objects. */
export function userSchedulerNamespace(
  name: string,
  config: Pick<PlatformConfig, "userScheduler"> & NetworkPolicyConfig,
  opts: pulumi.CustomResourceOptions,
): pulumi.Output<string> {
  const namespace = podSecurityNamespace(name, config.userScheduler.namespace, "restricted", opts).metadata
    .name;
  for (const rules of userSchedulerPolicyRules(config)) {
    networkPolicy(`${name}-netpol-${rules.name}`, rules, namespace, opts);
  }
  return namespace;
}
