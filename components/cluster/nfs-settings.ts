/**
 * What the NFS objects say, computed from the config: the server address (or an unmistakable
 * placeholder where the config leaves it out, which only render and preview allow) and the
 * provisioner's StorageClass parameters.
 */
import type { PlatformConfig } from "../../config/schema/platform";

/**
 * Rendered where the NFS server is not set yet. Not an address on purpose: a guessed IP could
 * mount someone else's export; this fails to resolve and `pulumi up` refuses to run without it.
 */
const NFS_SERVER_PLACEHOLDER = "nfs-server-not-set";

export function homeNfsServer(config: Pick<PlatformConfig, "storage">): string {
  return config.storage.nfs.server ?? NFS_SERVER_PLACEHOLDER;
}

/** The datasets export lives on the home server unless the config names another. */
export function datasetsNfsServer(config: Pick<PlatformConfig, "storage">): string {
  return config.storage.datasets.server ?? homeNfsServer(config);
}

/**
 * StorageClass parameters of nfs-subdir-external-provisioner. `onDelete` wins over
 * `archiveOnDelete` in the provisioner; each choice also sets `archiveOnDelete` so that a
 * provisioner too old to know `onDelete` falls back to the same or a safer outcome (archive).
 * None of them runs with reclaimPolicy Retain, the default: then the directory is never touched.
 */
export function storageClassParameters(
  onDelete: PlatformConfig["storage"]["storageClass"]["onDelete"],
): Record<string, string> {
  switch (onDelete) {
    case "retain":
      return { onDelete: "retain", archiveOnDelete: "true" };
    case "archive":
      return { archiveOnDelete: "true" };
    case "delete":
      return { onDelete: "delete", archiveOnDelete: "false" };
  }
}
