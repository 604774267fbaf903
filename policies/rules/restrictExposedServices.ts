import type { StackValidationPolicy } from "@pulumi/policy";
import { NAMES } from "../../components/names";
import { hubSettingsOf, TYPES, workloadName } from "../lib/workloads";

const EXPOSED = new Set(["LoadBalancer", "NodePort"]);

/**
 * Only the proxy's public Service may be exposed outside the cluster, and only as the stack's config
 * says: the type the hub settings name (`proxy.public_service_type`, from ingress.publicServiceType).
 * The pack sees the rendered resources only, so the settings document is where it finds that choice.
 */
export const restrictExposedServices: StackValidationPolicy = {
  name: "gpu-jupyterhub-restrict-exposed-services",
  description:
    "Services of type LoadBalancer or NodePort are allowed only for proxy-public, and only when the stack sets ingress.publicServiceType to that type (proxy.public_service_type in the hub settings).",
  validateStack: (args, report) => {
    const allowed = new Set(
      args.resources.flatMap((resource) => {
        const type = hubSettingsOf(resource.type, resource.props)?.proxy?.public_service_type;
        return typeof type === "string" ? [type] : [];
      }),
    );
    for (const service of args.resources.filter((resource) => resource.type === TYPES.service)) {
      const type = service.props.spec?.type ?? "ClusterIP";
      if (!EXPOSED.has(type)) continue;
      if (service.props.metadata?.name === NAMES.proxyPublicService && allowed.has(type)) continue;
      report(
        `Service ${workloadName(service.props)} is of type ${type}, which the stack config does not allow`,
      );
    }
  },
};
