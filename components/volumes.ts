/**
 * A volume and its mount, made together: the mount carries the name of the volume it was made
 * with, so the two cannot drift apart through a mistyped string. Pure; also used for the volumes
 * KubeSpawner gives user pods (hub-settings.ts).
 */

/** A type, not an interface, so that KubeSpawner's free-form volume settings accept it. */
export type Mount = {
  readonly mountPath: string;
  readonly readOnly?: boolean;
};

export interface MountedVolume<Source extends object> {
  /** The pod's volume: the name and its source (configMap, emptyDir, nfs, persistentVolumeClaim…). */
  readonly volume: { readonly name: string } & Source;
  readonly mount: { readonly name: string } & Mount;
}

export function mountedVolume<Source extends object>(
  name: string,
  source: Source,
  mount: Mount,
): MountedVolume<Source> {
  return { volume: { name, ...source }, mount: { name, ...mount } };
}

/** A StatefulSet's claim template (one claim per pod) and where its pod mounts it. */
export interface MountedClaim<Spec extends object> {
  readonly template: {
    readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
    readonly spec: Spec;
  };
  readonly mount: { readonly name: string } & Mount;
}

export function mountedClaim<Spec extends object>(
  name: string,
  labels: Readonly<Record<string, string>>,
  spec: Spec,
  mount: Mount,
): MountedClaim<Spec> {
  return { template: { metadata: { name, labels }, spec }, mount: { name, ...mount } };
}
