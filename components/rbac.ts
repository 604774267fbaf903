/**
 * RBAC as plain objects: the roles a service account is given, and the binding of each to it.
 * Pure; serviceAccountWithRoles (service-account.ts) turns them into resources.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface PolicyRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly resourceNames?: string[];
  /** Paths such as /metrics, in a ClusterRole only, with empty apiGroups and resources. */
  readonly nonResourceURLs?: string[];
  readonly verbs: string[];
}

export type RoleKind = "Role" | "ClusterRole";

export interface Metadata {
  readonly name: string;
  /** Absent for cluster-scoped objects (ClusterRole, ClusterRoleBinding). */
  readonly namespace?: pulumi.Input<string>;
  readonly labels: Record<string, string>;
}

export interface AccountRef {
  readonly name: pulumi.Input<string>;
  readonly namespace: pulumi.Input<string>;
}

/** A role made from `rules`, bound to the account by a binding of the same name. */
export interface RoleGrant {
  readonly kind: RoleKind;
  /** The role's and the binding's. */
  readonly metadata: Metadata;
  readonly rules: PolicyRule[];
  /** Pulumi names of the role and of the binding. */
  readonly resourceNames: { readonly role: string; readonly binding: string };
}

/**
 * A ClusterRole that exists already (the cluster's built-in ones, which always match its version),
 * bound to the account by name.
 */
export interface ExistingRoleGrant {
  readonly kind: "ClusterRole";
  readonly existingRole: string;
  /** The binding's. */
  readonly metadata: Metadata;
  readonly resourceNames: { readonly binding: string };
}

export type Grant = RoleGrant | ExistingRoleGrant;

/** The (Cluster)Role of a grant that makes one. */
export function role(grant: RoleGrant) {
  return { metadata: grant.metadata, rules: grant.rules };
}

/** The (Cluster)RoleBinding of a grant: `roleName` is the role's, `account` the service account's. */
export function roleBinding(grant: Grant, roleName: pulumi.Input<string>, account: AccountRef) {
  return {
    metadata: grant.metadata,
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: grant.kind, name: roleName },
    subjects: [{ kind: "ServiceAccount", name: account.name, namespace: account.namespace }],
  };
}
