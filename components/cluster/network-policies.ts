/** The NetworkPolicies of the hub's namespace, one object per spec from network-policy-rules.ts. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_LABELS } from "../names";
import {
  type NetworkPolicyConfig,
  type NetworkPolicyRules,
  networkPolicyRules,
  type PolicyPeer,
  type PolicyPort,
} from "./network-policy-rules";

export interface NetworkPoliciesArgs {
  readonly config: NetworkPolicyConfig;
  readonly namespace: pulumi.Input<string>;
}

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;

const peers = (list: readonly PolicyPeer[]) =>
  list.map((peer) => ({
    ...(peer.podSelector ? { podSelector: { matchLabels: { ...peer.podSelector.matchLabels } } } : {}),
    ...(peer.namespaceSelector
      ? { namespaceSelector: { matchLabels: { ...peer.namespaceSelector.matchLabels } } }
      : {}),
    ...(peer.ipBlock
      ? {
          ipBlock: {
            cidr: peer.ipBlock.cidr,
            ...(peer.ipBlock.except ? { except: [...peer.ipBlock.except] } : {}),
          },
        }
      : {}),
  }));
const ports = (list: readonly PolicyPort[]) => list.map((port) => ({ ...port }));

function spec(rules: NetworkPolicyRules): Spec {
  return {
    podSelector: rules.podSelector.matchLabels ? { matchLabels: { ...rules.podSelector.matchLabels } } : {},
    policyTypes: [...rules.policyTypes],
    ingress: rules.ingress.map((rule) => ({ from: peers(rule.from), ports: ports(rule.ports) })),
    egress: rules.egress.map((rule) => ({
      ...(rule.to ? { to: peers(rule.to) } : {}),
      ...(rule.ports ? { ports: ports(rule.ports) } : {}),
    })),
  };
}

/** One NetworkPolicy object from its rules; also used for the NFS provisioner's namespace. */
export function networkPolicy(
  resourceName: string,
  rules: NetworkPolicyRules,
  namespace: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    resourceName,
    {
      metadata: {
        name: rules.name,
        namespace,
        labels: { ...PLATFORM_LABELS },
        annotations: { "kubernetes.io/description": rules.description },
      },
      spec: spec(rules),
    },
    opts,
  );
}

export class NetworkPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:cluster:NetworkPolicies", name, {}, opts);
    for (const rules of networkPolicyRules(args.config)) {
      networkPolicy(`${name}-${rules.name}`, rules, args.namespace, { parent: this });
    }
    this.registerOutputs({});
  }
}
