import type { StackValidationPolicy } from "@pulumi/policy";
import { podSpecOf, TYPES } from "../lib/workloads";

/** Every namespace that runs our workloads starts closed: a policy selecting all pods, denying both directions. */
export const requireDefaultDenyNetworkPolicy: StackValidationPolicy = {
  name: "gpu-jupyterhub-require-default-deny-network-policy",
  description:
    "Every namespace with workloads has a NetworkPolicy that selects all pods and denies all ingress and egress.",
  validateStack: (args, report) => {
    const namespaces = new Set<string>();
    for (const resource of args.resources) {
      if (podSpecOf(resource.type, resource.props))
        namespaces.add(resource.props.metadata?.namespace ?? "default");
    }
    for (const resource of args.resources.filter((candidate) => candidate.type === TYPES.networkPolicy)) {
      const spec = resource.props.spec ?? {};
      const selectsAll =
        Object.keys(spec.podSelector ?? {}).length === 0 ||
        (Object.keys(spec.podSelector?.matchLabels ?? {}).length === 0 &&
          !spec.podSelector?.matchExpressions?.length);
      const types: string[] = spec.policyTypes ?? [];
      const deniesAll =
        types.includes("Ingress") &&
        types.includes("Egress") &&
        !spec.ingress?.length &&
        !spec.egress?.length;
      if (selectsAll && deniesAll) namespaces.delete(resource.props.metadata?.namespace ?? "default");
    }
    for (const namespace of namespaces)
      report(`namespace "${namespace}" runs workloads but has no default-deny NetworkPolicy`);
  },
};
