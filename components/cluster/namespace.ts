/**
 * A namespace with Pod Security Admission labels. `enforce` is what the API server refuses,
 * `warn`/`audit` flag what would fail a stricter level, so a later tightening is visible first.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { PLATFORM_LABELS } from "../names";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

function podSecurityLabels(enforce: PodSecurityLevel, warn: PodSecurityLevel = "restricted") {
  return {
    "pod-security.kubernetes.io/enforce": enforce,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/warn": warn,
    "pod-security.kubernetes.io/audit": warn,
  };
}

export function podSecurityNamespace(
  resourceName: string,
  name: string,
  enforce: PodSecurityLevel,
  opts: pulumi.CustomResourceOptions,
  warn: PodSecurityLevel = "restricted",
): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    resourceName,
    {
      metadata: {
        name,
        labels: {
          ...PLATFORM_LABELS,
          ...podSecurityLabels(enforce, warn),
        },
      },
    },
    opts,
  );
}
