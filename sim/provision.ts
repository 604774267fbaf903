/**
 * Stands in for the storage provisioners, which cannot work under kwok (no node mounts anything):
 * for every pending claim of a StorageClass whose provisioner is served here, it creates the
 * PersistentVolume the real provisioner would, with the claimRef set, and the PV controller of
 * kube-controller-manager binds the two, as on the real cluster.
 * - k8s-sigs.io/nfs-subdir-external-provisioner (the stack's home StorageClass, Immediate): an NFS
 *   volume at <NFS_PATH>/<namespace>-<claim>-<pv>, server and path read from the provisioner's own
 *   Deployment (its NFS_SERVER/NFS_PATH env), reclaim policy from the StorageClass (Retain).
 * - rancher.io/local-path (k3s's default StorageClass, WaitForFirstConsumer): a hostPath volume on
 *   the node the scheduler picked (annotation volume.kubernetes.io/selected-node); deleted once its
 *   claim is gone (reclaim policy Delete).
 * Each volume's data is a real folder on this machine (localVolumeDir), made when the volume is
 * provisioned, as both provisioners make theirs on the share or the node; local-path's folder goes
 * with its volume. So a file written there outlives what the volume outlives (pulumi destroy).
 */
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { NFS_PROVISIONER_NAME } from "../components/names";
import { LOCAL_PATH_PROVISIONER } from "./k3s-defaults";
import type { KubeClient } from "./kube-client";

export const SERVED_PROVISIONERS = [NFS_PROVISIONER_NAME, LOCAL_PATH_PROVISIONER] as const;
const PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
const SELECTED_NODE = "volume.kubernetes.io/selected-node";

export interface Claim {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    annotations?: Record<string, string>;
    resourceVersion?: string;
  };
  spec: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    volumeMode?: string;
    resources?: { requests?: { storage?: string } };
  };
  status?: { phase?: string };
}

export interface Volume {
  metadata: { name: string; annotations?: Record<string, string>; resourceVersion?: string };
  spec: {
    persistentVolumeReclaimPolicy?: string;
    nfs?: { server: string; path: string };
    hostPath?: { path: string };
    nodeAffinity?: { required?: { nodeSelectorTerms?: { matchExpressions?: { values?: string[] }[] }[] } };
  };
  status?: { phase?: string };
}

/**
 * Where a volume's data lives on this machine: `<root>/nfs/<server>/<path>` for NFS volumes,
 * `<root>/nodes/<node>/<path>` for hostPath ones.
 */
/** The volumes' root of the cluster whose admin kubeconfig is `kubeconfig`: `.work/sim/<name>/volumes`. */
export function volumeRoot(kubeconfig: string): string {
  return path.join(path.dirname(kubeconfig), "volumes");
}

export function localVolumeDir(root: string, volume: Pick<Volume, "spec">): string | undefined {
  const { nfs, hostPath, nodeAffinity } = volume.spec;
  if (nfs) return path.join(root, "nfs", nfs.server, nfs.path);
  const node = nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values?.[0];
  if (hostPath && node) return path.join(root, "nodes", node, hostPath.path);
  return undefined;
}

interface StorageClass {
  provisioner: string;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  mountOptions?: string[];
}

interface Deployment {
  spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
}

/** NFS_SERVER and NFS_PATH of the Deployment that runs the NFS provisioner (what it would use). */
async function nfsExport(client: KubeClient, provisioner: string): Promise<{ server: string; path: string }> {
  for (const deployment of await client.list<Deployment>("/apis/apps/v1/deployments")) {
    for (const container of deployment.spec.template.spec.containers) {
      const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ""]));
      if (env.PROVISIONER_NAME === provisioner && env.NFS_SERVER && env.NFS_PATH)
        return { server: env.NFS_SERVER, path: env.NFS_PATH };
    }
  }
  return { server: "127.0.0.1", path: "/export" };
}

/** The PV the real provisioner would create for `claim`, or undefined when it would wait or not serve it. */
export async function volumeFor(
  client: KubeClient,
  claim: Claim,
  storageClass: StorageClass,
): Promise<Record<string, unknown> | undefined> {
  if (!(SERVED_PROVISIONERS as readonly string[]).includes(storageClass.provisioner)) return undefined;
  const selectedNode = claim.metadata.annotations?.[SELECTED_NODE];
  const waitsForConsumer = storageClass.volumeBindingMode === "WaitForFirstConsumer";
  if (waitsForConsumer && !selectedNode) return undefined;
  const { namespace, name, uid } = claim.metadata;
  const pvName = `pvc-${uid}`;
  const spec: Record<string, unknown> = {
    capacity: { storage: claim.spec.resources?.requests?.storage ?? "1Gi" },
    accessModes: claim.spec.accessModes ?? ["ReadWriteOnce"],
    volumeMode: claim.spec.volumeMode ?? "Filesystem",
    persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
    storageClassName: claim.spec.storageClassName,
    claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name, uid },
    ...(storageClass.mountOptions ? { mountOptions: storageClass.mountOptions } : {}),
  };
  if (storageClass.provisioner === NFS_PROVISIONER_NAME) {
    const nfs = await nfsExport(client, storageClass.provisioner);
    spec.nfs = { server: nfs.server, path: `${nfs.path}/${namespace}-${name}-${pvName}` };
  } else {
    spec.hostPath = {
      path: `/var/lib/rancher/k3s/storage/${pvName}_${namespace}_${name}`,
      type: "DirectoryOrCreate",
    };
    spec.nodeAffinity = {
      required: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [selectedNode] }] },
        ],
      },
    };
  }
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: pvName, annotations: { [PROVISIONED_BY]: storageClass.provisioner } },
    spec,
  };
}

export class Provisioner {
  private readonly classes = new Map<string, StorageClass | null>();

  constructor(
    private readonly client: KubeClient,
    private readonly log: (line: string) => void,
    /** Root of the volumes' local folders (localVolumeDir). */
    private readonly volumeRoot: string,
  ) {}

  private async storageClass(name: string): Promise<StorageClass | undefined> {
    if (!this.classes.has(name))
      this.classes.set(
        name,
        (await this.client.find<StorageClass>(`/apis/storage.k8s.io/v1/storageclasses/${name}`)) ?? null,
      );
    const found = this.classes.get(name);
    if (found === null) this.classes.delete(name); // it may be created later
    return found ?? undefined;
  }

  async onClaim(claim: Claim): Promise<void> {
    if (claim.spec.volumeName || (claim.status?.phase && claim.status.phase !== "Pending")) return;
    if (!claim.spec.storageClassName) return;
    const storageClass = await this.storageClass(claim.spec.storageClassName);
    if (!storageClass) return;
    const volume = await volumeFor(this.client, claim, storageClass);
    if (!volume) return;
    const response = await this.client.request("POST", "/api/v1/persistentvolumes", volume);
    const name = (volume.metadata as { name: string }).name;
    const dir = localVolumeDir(this.volumeRoot, volume as Pick<Volume, "spec">);
    if (response.status === 201 && dir) mkdirSync(dir, { recursive: true });
    if (response.status === 201)
      this.log(
        `provisioned ${name} for ${claim.metadata.namespace}/${claim.metadata.name} (${storageClass.provisioner})`,
      );
    else if (response.status !== 409)
      this.log(
        `could not provision ${claim.metadata.namespace}/${claim.metadata.name}: ${JSON.stringify(response.body)}`,
      );
  }

  /** A released volume with reclaim policy Delete is deleted by its provisioner; Retain keeps it. */
  async onVolume(volume: Volume): Promise<void> {
    const by = volume.metadata.annotations?.[PROVISIONED_BY];
    if (!by || !(SERVED_PROVISIONERS as readonly string[]).includes(by)) return;
    if (volume.status?.phase !== "Released" || volume.spec.persistentVolumeReclaimPolicy !== "Delete") return;
    await this.client.remove(`/api/v1/persistentvolumes/${volume.metadata.name}`);
    const dir = localVolumeDir(this.volumeRoot, volume);
    if (dir) rmSync(dir, { recursive: true, force: true });
    this.log(`deleted released ${volume.metadata.name}`);
  }

  /** Follows claims and volumes until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const guard =
      <T>(handle: (object: T) => Promise<void>) =>
      async (event: { type: string; object: T }) => {
        if (event.type === "DELETED") return;
        try {
          await handle(event.object);
        } catch (error) {
          this.log(`error: ${(error as Error).message}`);
        }
      };
    await Promise.all([
      this.client.watch<Claim>(
        "/api/v1/persistentvolumeclaims",
        guard((c: Claim) => this.onClaim(c)),
        signal,
      ),
      this.client.watch<Volume>(
        "/api/v1/persistentvolumes",
        guard((v: Volume) => this.onVolume(v)),
        signal,
      ),
    ]);
  }
}
