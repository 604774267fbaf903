/** NFS-backed homes, shared datasets and node-local scratch. */
import { z } from "zod";
import { absolutePath, dnsLabel, hostname, ipv4, pinnedImage, storageQuantity } from "./common";

const nfsServer = z
  .string()
  .superRefine((server, ctx) => {
    const placeholder = /(^|\.)x(\.|$)/i.test(server);
    if (!placeholder && (ipv4.safeParse(server).success || hostname.safeParse(server).success)) return;
    ctx.addIssue({
      code: "custom",
      message: placeholder
        ? `"${server}" is a placeholder, not an address; set the NFS server's real IPv4 address or host name`
        : `"${server}" must be an IPv4 address or a host name`,
    });
  })
  .optional()
  .describe(
    "NFS server address. Required before deploy; no default, because a guess would mount the wrong data.",
  );

export const storageSchema = z
  .strictObject({
    nfs: z
      .strictObject({
        server: nfsServer,
        path: absolutePath.describe("Export that holds one directory per user claim."),
      })
      .describe("The NFS export behind the home directories."),
    storageClass: z
      .strictObject({
        name: dnsLabel.default("nfs-client"),
        reclaimPolicy: z
          .enum(["Retain", "Delete"])
          .default("Retain")
          .describe("Retain keeps a user's volume when the claim is deleted."),
        onDelete: z
          .enum(["retain", "archive", "delete"])
          .default("retain")
          .describe("What the provisioner does with the directory if a volume is deleted anyway."),
        protect: z
          .boolean()
          .default(false)
          .describe(
            "Make `pulumi destroy` stop at the StorageClass (Pulumi protect). Either way destroy never deletes it (retainOnDelete).",
          ),
      })
      .prefault({}),
    home: z
      .strictObject({
        size: storageQuantity.default("10Gi").describe("Size of each user's claim claim-<user>."),
        mountPath: absolutePath.default("/home/jovyan"),
      })
      .prefault({}),
    datasets: z
      .strictObject({
        enabled: z.boolean().default(true),
        server: nfsServer,
        path: absolutePath.default("/export/datasets"),
        mountPath: absolutePath.default("/datasets"),
        size: storageQuantity
          .default("1Ti")
          .describe("Nominal size of the read-only volume (NFS ignores it)."),
        protect: z
          .boolean()
          .default(false)
          .describe(
            "Make `pulumi destroy` stop at the datasets volume and claim (Pulumi protect). Either way destroy never deletes them (retainOnDelete).",
          ),
      })
      .prefault({})
      .describe("Read-only shared datasets (default server: the home NFS server)."),
    scratch: z
      .strictObject({
        enabled: z.boolean().default(true),
        mountPath: absolutePath.default("/scratch"),
        sizeLimit: storageQuantity
          .default("50Gi")
          .describe("Node-local emptyDir; the pod is evicted above it."),
      })
      .prefault({}),
    provisionerImage: pinnedImage
      .default("registry.k8s.io/sig-storage/nfs-subdir-external-provisioner:v4.0.2")
      .describe("nfs-subdir-external-provisioner image."),
    provisionerNamespace: dnsLabel
      .default("nfs-provisioner")
      .describe(
        "Namespace of the NFS provisioner: its own, because it runs as root (Pod Security baseline, not restricted).",
      ),
  })
  .describe("Storage.");
