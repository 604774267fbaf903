/**
 * What the NetworkPolicies name outside the hub's namespace: DNS, the API server, the identity
 * provider, public addresses, the stack's exceptions, the ingress controller and metrics scrapers.
 * The address ranges come from config/schema/network-ranges.ts, which validation reads too.
 */
import { NEVER_REACHABLE, NOT_PUBLIC, urlPort } from "../../config/schema/network-ranges";
import type { PlatformConfig } from "../../config/schema/platform";
import { DNS_NAMESPACE } from "../names";
import type { EgressRule, PolicyPeer, PolicyPort } from "./network-policy-rules";

type Network = PlatformConfig["network"];

/** Ports the API server answers on: 443 through the `kubernetes` Service, 6443 on the nodes. */
const KUBERNETES_API_PORTS = [443, 6443] as const;
/** What a notebook needs of public addresses (pip, conda, git over HTTPS, datasets). */
const USER_PUBLIC_PORTS = [80, 443] as const;
/** CoreDNS's pods, as k3s and kubeadm label them: DNS goes to them only, not to all of kube-system. */
const COREDNS_LABELS = { "k8s-app": "kube-dns" } as const;

export const tcp = (...ports: number[]): PolicyPort[] => ports.map((port) => ({ port, protocol: "TCP" }));
const inNamespace = (namespace: string, podLabels?: Readonly<Record<string, string>>): PolicyPeer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
  ...(podLabels && Object.keys(podLabels).length > 0 ? { podSelector: { matchLabels: podLabels } } : {}),
});
const cidrs = (list: readonly string[]): PolicyPeer[] => list.map((cidr) => ({ ipBlock: { cidr } }));
const sortedPorts = (ports: readonly number[]) => [...new Set(ports)].sort((a, b) => a - b);

/** Public addresses: all but the private, CGNAT, link-local and reserved ranges, and `closed`. */
function publicAddresses(closed: readonly string[] = []): PolicyPeer {
  return { ipBlock: { cidr: "0.0.0.0/0", except: [...new Set([...NOT_PUBLIC, ...closed])] } };
}

/** Any address but link-local (the metadata service), loopback, multicast and reserved. */
const ANY_BUT_NEVER_REACHABLE: PolicyPeer = { ipBlock: { cidr: "0.0.0.0/0", except: [...NEVER_REACHABLE] } };

export const DNS: EgressRule = {
  to: [inNamespace(DNS_NAMESPACE, COREDNS_LABELS)],
  ports: [
    { port: 53, protocol: "UDP" },
    { port: 53, protocol: "TCP" },
  ],
};

/**
 * The API server by its configured addresses; without them, ports 443 and 6443 to any address but
 * link-local (the API server is reached through a Service IP that the CNI may or may not translate
 * before the policy sees it, so an address rule would be a guess).
 */
export function kubernetesApi(network: Network): EgressRule {
  const { kubernetesApi: addresses } = network;
  return {
    to: addresses.length > 0 ? cidrs(addresses) : [ANY_BUT_NEVER_REACHABLE],
    ports: tcp(...KUBERNETES_API_PORTS),
  };
}

/** Ports of the URLs the hub itself calls (token and userinfo; authorize is the browser's). */
function oauthPorts(oauth: PlatformConfig["auth"]["oauth"]): number[] {
  return sortedPorts([oauth.tokenUrl, oauth.userdataUrl].map((text) => urlPort(new URL(text))));
}

/** The identity provider by its configured addresses, else any public address on its ports. */
export function oauthProvider(config: Pick<PlatformConfig, "network" | "auth">): EgressRule {
  const { oauthProvider: addresses } = config.network;
  return {
    to: addresses.length > 0 ? cidrs(addresses) : [publicAddresses()],
    ports: tcp(...oauthPorts(config.auth.oauth)),
  };
}

/** User pods' public addresses: ports 80, 443 and the stack's extra ports; campus ranges closed. */
export function userPublicInternet(network: Network): EgressRule[] {
  if (!network.publicInternet) return [];
  return [
    {
      to: [publicAddresses(network.campusRanges)],
      ports: tcp(...sortedPorts([...USER_PUBLIC_PORTS, ...network.extraPublicPorts])),
    },
  ];
}

/** The audit shipper in the hub's pod (audit.shipping): the Elasticsearch hosts' ports, to their addresses only. */
export function auditShipping(audit: PlatformConfig["audit"] | undefined): EgressRule[] {
  const es = audit?.shipping?.elasticsearch;
  if (!es) return [];
  return [
    { to: cidrs(es.addresses), ports: tcp(...sortedPorts(es.hosts.map((host) => urlPort(new URL(host))))) },
  ];
}

/** The stack's own exceptions (a package mirror, a licence server) for the pods they name. */
export function exceptions(network: Network, from: "hub" | "proxy" | "singleuser"): EgressRule[] {
  return network.egress
    .filter((rule) => rule.from.includes(from))
    .map((rule) => ({
      to: [{ ipBlock: { cidr: rule.cidr } }],
      ports: rule.ports.map((port) => ({ port: port.port, protocol: port.protocol })),
    }));
}

/**
 * Who sends users' traffic to the proxy: the ingress controller's namespace, the nodes of a
 * hostNetwork controller, and anyone when proxy-public is a LoadBalancer or NodePort Service
 * (traffic from outside the cluster, whose source no selector can name).
 */
export function publicSources(config: Pick<PlatformConfig, "ingress" | "network">): PolicyPeer[] {
  return [
    inNamespace(config.ingress.controllerNamespace),
    ...cidrs(config.network.ingressControllerNodes),
    ...(config.ingress.publicServiceType === "ClusterIP" ? [] : [{ ipBlock: { cidr: "0.0.0.0/0" } }]),
  ];
}

/** Ingress for metrics scrapers on `port`, or nothing when the stack names none. */
export function scrapers(network: Network, port: number): { from: PolicyPeer[]; ports: PolicyPort[] }[] {
  if (network.metricsScrapers.length === 0) return [];
  return [
    {
      from: network.metricsScrapers.map((scraper) => inNamespace(scraper.namespace, scraper.podLabels)),
      ports: tcp(port),
    },
  ];
}
