/** Pod and container settings every platform workload shares: Pod Security "restricted" by default. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { Component } from "./names";
import { labels } from "./names";

type Input<T> = k8s.types.input.core.v1.PodSecurityContext & T;

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

export function restrictedPod(fsGroup?: number): Input<object> {
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

/** Metadata with an explicit name (the runbook's names, no auto-naming suffix) and our labels. */
export function objectMeta(
  name: string,
  namespace: pulumi.Input<string> | undefined,
  component: Component,
  extraLabels: Record<string, string> = {},
) {
  return { name, ...(namespace !== undefined ? { namespace } : {}), labels: labels(component, extraLabels) };
}

/** The unprivileged user upstream images (CHP, kube-scheduler) run as. */
export const NOBODY_UID = 65534;
