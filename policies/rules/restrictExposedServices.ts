import type { ResourceValidationPolicy } from "@pulumi/policy";
import { loadPlatformConfig } from "../../config/load";
import { stackFileForUrn } from "../lib/stack";
import { TYPES, workloadName } from "../lib/workloads";

/** Only the proxy's public Service may be exposed outside the cluster, and only as the stack's config says. */
export const restrictExposedServices: ResourceValidationPolicy = {
  name: "gpu-jupyterhub-restrict-exposed-services",
  description:
    "Services of type LoadBalancer or NodePort are allowed only for proxy-public, and only when the stack sets ingress.publicServiceType to that type.",
  validateResource: (args, report) => {
    if (args.type !== TYPES.service) return;
    const type = args.props.spec?.type ?? "ClusterIP";
    if (type !== "LoadBalancer" && type !== "NodePort") return;
    const config = loadPlatformConfig({ stackFile: stackFileForUrn(args.urn) }).config;
    const allowed =
      args.props.metadata?.name === "proxy-public" && config?.ingress.publicServiceType === type;
    if (!allowed)
      report(`Service ${workloadName(args.props)} is of type ${type}, which the stack config does not allow`);
  },
};
