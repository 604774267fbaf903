/**
 * A container's environment as the kubelet would give it, read from the cluster: plain values,
 * Secret and ConfigMap keys, and the pod's own fields. The live platform runs Deployments' containers
 * as local processes (sim/live/), and the notebook runner user pods' (sim/notebook-pod.ts), so they
 * see exactly what a pod would.
 */
import type { KubeClient } from "../kube-client";

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
    readonly fieldRef?: { readonly fieldPath: string };
  };
}

export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly nodeName?: string;
  readonly podIP?: string;
}

async function keyOf(
  client: KubeClient,
  namespace: string,
  kind: "secrets" | "configmaps",
  ref: { name: string; key: string; optional?: boolean },
): Promise<string | undefined> {
  const object = await client.find<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/${kind}/${ref.name}`,
  );
  const raw = object?.data?.[ref.key];
  if (raw === undefined) {
    if (ref.optional) return undefined;
    throw new Error(
      `${kind === "secrets" ? "Secret" : "ConfigMap"} ${namespace}/${ref.name} has no key ${ref.key}`,
    );
  }
  return kind === "secrets" ? Buffer.from(raw, "base64").toString("utf8") : raw;
}

function fieldOf(pod: PodIdentity, fieldPath: string): string {
  const fields: Record<string, string | undefined> = {
    "metadata.namespace": pod.namespace,
    "metadata.name": pod.name,
    "metadata.uid": pod.uid,
    "spec.nodeName": pod.nodeName,
    "status.podIP": pod.podIP,
  };
  if (!(fieldPath in fields))
    throw new Error(`env fieldRef ${fieldPath} is not supported by the simulated kubelet`);
  return fields[fieldPath] ?? "";
}

/** The container's env as name → value; a missing Secret or key fails, as the kubelet would. */
export async function resolveEnv(
  client: KubeClient,
  pod: PodIdentity,
  env: readonly EnvVar[] = [],
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const variable of env) {
    const from = variable.valueFrom;
    let value: string | undefined = variable.value ?? "";
    if (from?.secretKeyRef) value = await keyOf(client, pod.namespace, "secrets", from.secretKeyRef);
    else if (from?.configMapKeyRef)
      value = await keyOf(client, pod.namespace, "configmaps", from.configMapKeyRef);
    else if (from?.fieldRef) value = fieldOf(pod, from.fieldRef.fieldPath);
    if (value !== undefined) resolved[variable.name] = value;
  }
  return resolved;
}
