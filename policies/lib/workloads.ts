/** Reading Kubernetes workloads the way policies see them (plain props keyed by Pulumi type tokens). */

// biome-ignore lint/suspicious/noExplicitAny: policy props are untyped JSON.
export type Props = Record<string, any>;

export const TYPES = {
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  daemonSet: "kubernetes:apps/v1:DaemonSet",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
  pod: "kubernetes:core/v1:Pod",
  configMap: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  service: "kubernetes:core/v1:Service",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  resourceQuota: "kubernetes:core/v1:ResourceQuota",
  namespace: "kubernetes:core/v1:Namespace",
  helmRelease: "kubernetes:helm.sh/v3:Release",
} as const;

/** The pod spec of a workload or pod, or undefined for other types. */
export function podSpecOf(type: string, props: Props): Props | undefined {
  switch (type) {
    case TYPES.deployment:
    case TYPES.statefulSet:
    case TYPES.daemonSet:
    case TYPES.job:
      return props.spec?.template?.spec;
    case TYPES.cronJob:
      return props.spec?.jobTemplate?.spec?.template?.spec;
    case TYPES.pod:
      return props.spec;
    default:
      return undefined;
  }
}

export interface NamedContainer {
  readonly kind: "container" | "initContainer";
  readonly container: Props;
}

export function containersOf(spec: Props): NamedContainer[] {
  return [
    ...(spec.initContainers ?? []).map((container: Props) => ({ kind: "initContainer" as const, container })),
    ...(spec.containers ?? []).map((container: Props) => ({ kind: "container" as const, container })),
  ];
}

/** The hub settings document inside ConfigMap `hub`, if this is it. */
export function hubSettingsOf(type: string, props: Props): Props | undefined {
  if (type !== TYPES.configMap) return undefined;
  const text = props.data?.["settings.json"];
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Profiles as the hub will apply them: each override merged over the spawner defaults. */
export function effectiveProfiles(settings: Props): { slug: string; groups: string[]; override: Props }[] {
  return (settings.profiles ?? []).map((profile: Props) => ({
    slug: profile.slug,
    groups: profile.groups ?? [],
    override: { ...(settings.spawner ?? {}), ...(profile.kubespawner_override ?? {}) },
  }));
}

/**
 * What a custom-image profile's GPU choices apply (`custom_image.gpu_overrides`, one per GPU count),
 * each merged over the profile as the hub applies it, named e.g. `custom-image (2 GPUs)`.
 */
export function customImageGpuChoices(
  settings: Props,
): { slug: string; groups: string[]; override: Props }[] {
  return effectiveProfiles(settings).flatMap((profile) => {
    const choices = (settings.profiles ?? []).find((p: Props) => p.slug === profile.slug)?.custom_image
      ?.gpu_overrides;
    return Object.entries((choices ?? {}) as Record<string, Props>).map(([count, override]) => ({
      slug: `${profile.slug} (${count} GPU${count === "1" ? "" : "s"})`,
      groups: profile.groups,
      override: { ...profile.override, ...override },
    }));
  });
}

export function workloadName(props: Props): string {
  return `${props.metadata?.namespace ? `${props.metadata.namespace}/` : ""}${props.metadata?.name ?? "?"}`;
}
