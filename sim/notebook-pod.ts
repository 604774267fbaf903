/**
 * What a kubelet resolves before it starts a container, for the notebook runner
 * (sim/notebook-servers.ts): the environment's valueFrom references, and the volumes the container
 * mounts as folders on this machine. A claim's folder is the one the stand-in provisioner made for
 * its PersistentVolume (sim/provision.ts: `.work/sim/<name>/volumes/...`); an emptyDir is a folder
 * of the pod's own, removed with it. Other volume kinds (configMap, secret, ...) are not mapped.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { KubeClient } from "./kube-client";
import { type EnvVar, resolveEnv } from "./live/pod-env";
import { type LocalMount, type NotebookPod, notebookContainer } from "./notebook-plan";
import { localVolumeDir, type Volume } from "./provision";

/**
 * The notebook container's environment, valueFrom resolved (fieldRef, secretKeyRef,
 * configMapKeyRef). KubeSpawner 7 writes plain values only (the hub's token included), so with the
 * real hub nothing here is looked up; the values are never logged.
 */
export function containerEnv(client: KubeClient, pod: NotebookPod): Promise<Record<string, string>> {
  const { metadata, spec, status } = pod;
  return resolveEnv(
    client,
    {
      namespace: metadata.namespace ?? "default",
      name: metadata.name,
      uid: metadata.uid,
      ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
      ...(status?.podIP ? { podIP: status.podIP } : {}),
    },
    (notebookContainer(pod).env ?? []) as EnvVar[],
  );
}

/**
 * The folder standing for each of the notebook container's mounts (made if missing). `dir` is the
 * cluster's folder (`.work/sim/<name>`), `podDir` the pod's own.
 */
export async function localMounts(
  client: KubeClient,
  pod: NotebookPod,
  dir: string,
  podDir: string,
): Promise<LocalMount[]> {
  const mounts: LocalMount[] = [];
  for (const mount of notebookContainer(pod).volumeMounts ?? []) {
    const volume = pod.spec.volumes?.find((v) => v.name === mount.name);
    const claim = (volume?.persistentVolumeClaim as { claimName?: string } | undefined)?.claimName;
    let folder: string | undefined;
    if (claim) {
      const bound = await client.get<{ spec: { volumeName?: string } }>(
        `/api/v1/namespaces/${pod.metadata.namespace}/persistentvolumeclaims/${claim}`,
      );
      if (!bound.spec.volumeName) throw new Error(`claim ${claim} is not bound`);
      const pv = await client.get<Volume>(`/api/v1/persistentvolumes/${bound.spec.volumeName}`);
      folder = localVolumeDir(path.join(dir, "volumes"), pv);
      if (!folder) throw new Error(`volume ${bound.spec.volumeName} of claim ${claim} has no local folder`);
    } else if (volume?.emptyDir) {
      folder = path.join(podDir, "volumes", mount.name);
    } else continue;
    folder = mount.subPath ? path.join(folder, mount.subPath) : folder;
    mkdirSync(folder, { recursive: true });
    mounts.push({ mountPath: mount.mountPath, dir: folder });
  }
  return mounts;
}
