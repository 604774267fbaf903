import type { StackValidationPolicy } from "@pulumi/policy";
import { hubSettingsOf, TYPES } from "../lib/workloads";

/** Home directories outlive a deleted claim: the StorageClass retains the volume, or the provisioner keeps the files. */
export const retainUserData: StackValidationPolicy = {
  name: "gpu-jupyterhub-retain-user-data",
  description:
    "The StorageClass of user homes has reclaimPolicy Retain, or tells the provisioner to retain or archive a deleted claim's files.",
  validateStack: (args, report) => {
    const classes = new Set(
      args.resources.flatMap((resource) => {
        const name = hubSettingsOf(resource.type, resource.props)?.spawner?.storage_class;
        return name ? [String(name)] : [];
      }),
    );
    for (const name of classes) {
      const storageClass = args.resources.find(
        (resource) => resource.type === TYPES.storageClass && resource.props.metadata?.name === name,
      );
      if (!storageClass) {
        report(`user homes use StorageClass "${name}", which this stack does not define`);
        continue;
      }
      const parameters = storageClass.props.parameters ?? {};
      const keeps =
        storageClass.props.reclaimPolicy === "Retain" ||
        parameters.onDelete === "retain" ||
        (parameters.onDelete === undefined && parameters.archiveOnDelete === "true");
      if (!keeps) report(`StorageClass "${name}" deletes user data when a claim is deleted`);
    }
  },
};
