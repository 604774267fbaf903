/** Pod and container settings every platform workload shares: Pod Security "restricted" by default. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Component } from "./names";
import { labels, selectorLabels } from "./names";

/** A container that passes Pod Security "restricted": non-root, no privilege escalation, no capabilities. */
export function restrictedContainer(runAsUser: number): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser,
    runAsGroup: runAsUser,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function restrictedPod(fsGroup?: number): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    seccompProfile: { type: "RuntimeDefault" },
    ...(fsGroup !== undefined ? { fsGroup } : {}),
  };
}

export interface ResourceSpec {
  readonly cpu: { readonly request: string; readonly limit: string };
  readonly memory: { readonly request: string; readonly limit: string };
}

export function containerResources(spec: ResourceSpec): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: spec.cpu.request, memory: spec.memory.request },
    limits: { cpu: spec.cpu.limit, memory: spec.memory.limit },
  };
}

/** An environment variable taken from a key of a Secret. */
export function secretEnv(name: string, secretName: pulumi.Input<string>, key: string) {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

interface ObjectMeta {
  readonly name: string;
  readonly labels: Record<string, string>;
}

/**
 * Metadata with an explicit name (the runbook's names, no auto-naming suffix) and our labels;
 * without a namespace for cluster-scoped objects.
 */
export function objectMeta(
  name: string,
  namespace: pulumi.Input<string>,
  component: Component,
  extraLabels?: Record<string, string>,
): ObjectMeta & { readonly namespace: pulumi.Input<string> };
export function objectMeta(
  name: string,
  namespace: undefined,
  component: Component,
  extraLabels?: Record<string, string>,
): ObjectMeta;
export function objectMeta(
  name: string,
  namespace: pulumi.Input<string> | undefined,
  component: Component,
  extraLabels: Record<string, string> = {},
): ObjectMeta & { readonly namespace?: pulumi.Input<string> } {
  return { name, ...(namespace !== undefined ? { namespace } : {}), labels: labels(component, extraLabels) };
}

/**
 * A PodDisruptionBudget for a component's pods. At most one unavailable: it serialises voluntary
 * evictions; blocking them (a single replica cannot stay up during a drain) would stall node drains.
 */
export function maxOneUnavailable(name: string, namespace: pulumi.Input<string>, component: Component) {
  return {
    metadata: objectMeta(name, namespace, component),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(component) } },
  };
}

/** The unprivileged user upstream images (CHP, kube-scheduler) run as. */
export const NOBODY_UID = 65534;
