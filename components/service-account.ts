/**
 * A ServiceAccount with the roles it is given: the ServiceAccount + Role + RoleBinding trio, its
 * ClusterRole variant, and bindings to existing ClusterRoles. Each binding refers to the account
 * and the role it was made with, so it is applied after them.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type Grant, type Metadata, role, roleBinding } from "./rbac";

/** Pulumi names: `${name}-sa` for the account, the grants' own for roles and bindings. */
export function serviceAccountWithRoles(
  name: string,
  account: Metadata & { readonly namespace: pulumi.Input<string> },
  grants: readonly Grant[],
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ServiceAccount {
  const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: account }, opts);
  const subject = { name: serviceAccount.metadata.name, namespace: account.namespace };
  for (const grant of grants) {
    if ("existingRole" in grant) {
      const binding = roleBinding(grant, grant.existingRole, subject);
      new k8s.rbac.v1.ClusterRoleBinding(grant.resourceNames.binding, binding, opts);
    } else if (grant.kind === "ClusterRole") {
      const made = new k8s.rbac.v1.ClusterRole(grant.resourceNames.role, role(grant), opts);
      const binding = roleBinding(grant, made.metadata.name, subject);
      new k8s.rbac.v1.ClusterRoleBinding(grant.resourceNames.binding, binding, opts);
    } else {
      const made = new k8s.rbac.v1.Role(grant.resourceNames.role, role(grant), opts);
      new k8s.rbac.v1.RoleBinding(
        grant.resourceNames.binding,
        roleBinding(grant, made.metadata.name, subject),
        opts,
      );
    }
  }
  return serviceAccount;
}
