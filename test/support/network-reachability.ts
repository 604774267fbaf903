/**
 * A small NetworkPolicy evaluator for tests: can endpoint A open a connection to endpoint B on a
 * port, given the rendered policies? It follows the Kubernetes semantics the platform relies on:
 * a pod selected by no policy of a type is open in that direction; once selected, only what some
 * rule of a selecting policy allows passes; a connection needs the source's egress AND the
 * destination's ingress. ipBlocks are matched against pod IPs too (stricter than most CNIs), so a
 * broad CIDR that happens to include the pod network is caught. Anything the platform does not use
 * (matchExpressions, named ports, endPort) fails loudly instead of being guessed, and so does an
 * ipBlock the API server would refuse (an `except` that is not a strict subset of its `cidr`).
 */
import type { K8sObject } from "../components/render-helpers";

export type Protocol = "TCP" | "UDP";

export interface Endpoint {
  readonly name: string;
  readonly ip: string;
  /** Present for pods; external addresses have none. */
  readonly pod?: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Port {
  port?: number | string;
  protocol?: Protocol;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: Port[];
}

function selects(selector: Selector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  if (selector.matchExpressions?.length) throw new Error("matchExpressions are not evaluated here");
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

function ipNumber(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return parts.reduce((sum, part) => sum * 256 + part, 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  const start = Math.floor(ipNumber(base ?? "") / size) * size;
  const value = ipNumber(ip);
  return value >= start && value < start + size;
}

function namespaceLabels(namespace: string): Record<string, string> {
  return { "kubernetes.io/metadata.name": namespace };
}

/** The API server refuses an ipBlock whose `except` is not a strict subset of its `cidr`. */
function checkIpBlock(cidr: string, except: readonly string[]): void {
  const bits = (range: string) => Number(range.split("/")[1]);
  for (const excluded of except) {
    const base = excluded.split("/")[0] ?? "";
    if (!inCidr(base, cidr) || bits(excluded) <= bits(cidr)) {
      throw new Error(`ipBlock ${cidr}: except ${excluded} must be a strict subset of the cidr`);
    }
  }
}

function peerMatches(peer: Peer, endpoint: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    const { cidr, except = [] } = peer.ipBlock;
    checkIpBlock(cidr, except);
    return inCidr(endpoint.ip, cidr) && !except.some((excluded) => inCidr(endpoint.ip, excluded));
  }
  const pod = endpoint.pod;
  if (!pod) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(pod.namespace))
    : pod.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector, pod.labels);
}

function portMatches(ports: Port[] | undefined, port: number, protocol: Protocol): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((candidate) => {
    if (typeof candidate.port === "string" || candidate.endPort !== undefined) {
      throw new Error("named ports and port ranges are not evaluated here");
    }
    return (
      (candidate.protocol ?? "TCP") === protocol && (candidate.port === undefined || candidate.port === port)
    );
  });
}

/** Whether the policies let `pod`'s traffic in `direction` pass, with `other` on the far side. */
function allowed(
  policies: readonly K8sObject[],
  direction: "Ingress" | "Egress",
  pod: Endpoint,
  other: Endpoint,
  port: number,
  protocol: Protocol,
): boolean {
  const podInfo = pod.pod;
  if (!podInfo) return true; // an address outside the cluster has no policies of ours
  const selecting = policies.filter(
    (policy) =>
      policy.metadata.namespace === podInfo.namespace &&
      (policy.spec.policyTypes as string[]).includes(direction) &&
      selects(policy.spec.podSelector, podInfo.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((policy) => {
    const rules = (direction === "Ingress" ? policy.spec.ingress : policy.spec.egress) as Rule[] | undefined;
    return (rules ?? []).some((rule) => {
      const peers = direction === "Ingress" ? rule.from : rule.to;
      const peerOk =
        !peers ||
        peers.length === 0 ||
        peers.some((peer) => peerMatches(peer, other, policy.metadata.namespace as string));
      return peerOk && portMatches(rule.ports, port, protocol);
    });
  });
}

export function canReach(
  policies: readonly K8sObject[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol: Protocol = "TCP",
): boolean {
  return (
    allowed(policies, "Egress", from, to, port, protocol) &&
    allowed(policies, "Ingress", to, from, port, protocol)
  );
}
