/**
 * The IPv4 ranges the network section speaks of, shared by its validation (config/rules/network.ts)
 * and the NetworkPolicies (components/cluster/network-policy-rules.ts), so both agree on what
 * "public" and "never" mean. Pure arithmetic on dotted quads and CIDRs; no DNS.
 */

/** RFC 1918: the cluster's pods and Services (k3s: 10.42/16, 10.43/16) and the campus networks. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;
/** RFC 6598 shared address space: carrier-grade NAT, and the overlay of VPNs such as Tailscale. */
export const CGNAT_RANGE = "100.64.0.0/10";
/** RFC 3927 link-local, where clouds and some hosts answer with node credentials (the metadata service). */
export const LINK_LOCAL_RANGE = "169.254.0.0/16";
/** The cloud metadata service: credentials of the node, wherever a cloud or a host agent offers one. */
export const CLOUD_METADATA_ADDRESS = "169.254.169.254";

/**
 * What no pod of ours may open a connection to, on any port, whatever else is configured:
 * "this network" (0/8), loopback (a pod's own is not routed through the policy anyway),
 * link-local with the metadata service, multicast (224/4) and the reserved block with the
 * broadcast address (240/4).
 */
export const NEVER_REACHABLE = [
  "0.0.0.0/8",
  "127.0.0.0/8",
  LINK_LOCAL_RANGE,
  "224.0.0.0/4",
  "240.0.0.0/4",
] as const;

/** Everything that is not a public address: the private ranges, CGNAT and NEVER_REACHABLE. */
export const NOT_PUBLIC = [...PRIVATE_RANGES, CGNAT_RANGE, ...NEVER_REACHABLE] as const;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

function ipNumber(ip: string): number {
  if (!isIpv4(ip)) throw new Error(`not an IPv4 address: ${ip}`);
  return ip.split(".").reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** The first and last address of a CIDR (or of a single address, as a /32). */
function bounds(cidrOrIp: string): { first: number; last: number } {
  const [address, bitsText] = cidrOrIp.split("/");
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const size = 2 ** (32 - bits);
  const first = Math.floor(ipNumber(address ?? "") / size) * size;
  return { first, last: first + size - 1 };
}

/** Whether `outer` holds every address of `inner` (a CIDR or a single address). */
export function cidrContains(outer: string, inner: string): boolean {
  const a = bounds(outer);
  const b = bounds(inner);
  return a.first <= b.first && b.last <= a.last;
}

/** Whether two CIDRs share at least one address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = bounds(a);
  const y = bounds(b);
  return x.first <= y.last && y.first <= x.last;
}

/** The first range of `ranges` that holds the address, if any. */
export function rangeHolding(ip: string, ranges: readonly string[]): string | undefined {
  return ranges.find((range) => cidrContains(range, ip));
}

/** The port a URL connects to: its own, else the scheme's (80 for http, 443 for https). */
export function urlPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
}
