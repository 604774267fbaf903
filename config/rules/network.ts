/**
 * Rules about the network section: the hub must be able to reach the identity provider, and no
 * configured range may open the metadata service. What the policies allow is decided in
 * components/cluster/network-policy-rules.ts; these rules read the same ranges
 * (config/schema/network-ranges.ts).
 *
 * Whether the identity provider has a private address is known only from the stack itself: an IP
 * literal in its URLs, or a name that can only live inside the cluster (…svc, …cluster.local,
 * localhost). A host name is never resolved here: validation runs offline and in CI, and campus
 * DNS answers differently inside and outside the network (split horizon), so a lookup would make
 * the same stack valid on one machine and not on another. For a name, the stack says where the
 * provider is with `network.oauthProvider` (docs/operations.md).
 */
import { quote, type RuleIssue } from "../issues";
import {
  CLOUD_METADATA_ADDRESS,
  cidrContains,
  cidrsOverlap,
  isIpv4,
  LINK_LOCAL_RANGE,
  NEVER_REACHABLE,
  NOT_PUBLIC,
  rangeHolding,
  urlPort,
} from "../schema/network-ranges";
import type { PlatformConfig } from "../schema/platform";

/** The API server's ports, which the hub may open to any address while kubernetesApi is empty. */
const KUBERNETES_API_PORTS: readonly number[] = [443, 6443];

/** A host name that only resolves inside the cluster or the pod. */
const IN_CLUSTER_NAME = /(^|\.)(localhost|svc|cluster\.local)$/;

/** Where the hub's provider URLs are written: each on its own (oidc), or Authentik's base URL. */
type OauthUrlField = "tokenUrl" | "userdataUrl" | "url";

interface ProviderHost {
  readonly field: OauthUrlField;
  readonly host: string;
  readonly port: number;
  /** The address, when the URL names one. */
  readonly address?: string;
  /** What makes the host private ("10.21.0.20, a private address (in 10.0.0.0/8)"), if anything does. */
  readonly privateAs?: string;
}

function providerHosts(config: PlatformConfig): ProviderHost[] {
  const seen = new Set<string>();
  const hosts: ProviderHost[] = [];
  for (const endpoint of ["tokenUrl", "userdataUrl"] as const) {
    const url = new URL(config.auth.oauth[endpoint]);
    const field = config.auth.oauth.type === "authentik" ? "url" : endpoint;
    const host = url.hostname;
    const port = urlPort(url);
    if (seen.has(`${host}:${port}`)) continue;
    seen.add(`${host}:${port}`);
    if (isIpv4(host)) {
      const range = rangeHolding(host, NOT_PUBLIC);
      hosts.push({
        field,
        host,
        port,
        address: host,
        ...(range ? { privateAs: `${host}, a private address (in ${range})` } : {}),
      });
    } else if (IN_CLUSTER_NAME.test(host)) {
      hosts.push({ field, host, port, privateAs: `${host}, a name inside the cluster` });
    }
  }
  return hosts;
}

/** Whether one of the stack's exceptions for the hub opens this address and TCP port. */
function openedByException(config: PlatformConfig, address: string | undefined, port: number): boolean {
  if (address === undefined) return false;
  return config.network.egress.some(
    (rule) =>
      rule.from.includes("hub") &&
      cidrContains(rule.cidr, address) &&
      rule.ports.some((open) => open.port === port && open.protocol === "TCP"),
  );
}

/**
 * The hub reaches the identity provider's token and userinfo URLs: at `network.oauthProvider`
 * when set, else at public addresses (and, while `kubernetesApi` is empty, on 443/6443 anywhere).
 * A stack whose provider is known to be elsewhere would deploy fine and then refuse every login.
 */
export function identityProviderReachable(config: PlatformConfig): RuleIssue[] {
  const { kubernetesApi, oauthProvider } = config.network;
  const issues: RuleIssue[] = [];
  for (const provider of providerHosts(config)) {
    const { field, host, port, address } = provider;
    const url = `auth.oauth.${field} (at {0})`;
    const refs = [["auth", "oauth", field]];
    if (openedByException(config, address, port)) continue;
    if (oauthProvider.length > 0) {
      if (address === undefined || oauthProvider.some((range) => cidrContains(range, address))) continue;
      issues.push({
        path: ["network", "oauthProvider"],
        message: `does not hold ${address}, the identity provider's address in ${url}; the hub reaches the provider only at network.oauthProvider, so logins would fail. Add ${address}/32`,
        refs,
      });
      continue;
    }
    if (!provider.privateAs) continue;
    const example = address
      ? `[${address}/32]`
      : `the addresses ${quote(host)} resolves to, e.g. [10.21.0.20/32]`;
    if (kubernetesApi.length > 0) {
      issues.push({
        path: ["network", "kubernetesApi"],
        message:
          `with network.kubernetesApi set, the hub reaches the identity provider only at public addresses while network.oauthProvider is empty, ` +
          `but ${url} names ${provider.privateAs}, so logins would fail. Set network.oauthProvider: ${example}`,
        refs,
      });
      continue;
    }
    const reservedAddress = address !== undefined && rangeHolding(address, NEVER_REACHABLE) !== undefined;
    if (KUBERNETES_API_PORTS.includes(port) && !reservedAddress) continue; // open to any address for now
    issues.push({
      path: ["auth", "oauth", field],
      message:
        `names ${provider.privateAs}; while network.oauthProvider is empty the hub reaches the identity provider only at public addresses, ` +
        `so logins would fail. Set network.oauthProvider: ${example}`,
    });
  }
  return issues;
}

/**
 * No configured destination may open the cloud metadata service: the API server and the identity
 * provider are never link-local, and an exception is narrowed rather than allowed to hold it.
 */
export function metadataAddressStaysClosed(config: PlatformConfig): RuleIssue[] {
  const { kubernetesApi, oauthProvider, egress } = config.network;
  const issues: RuleIssue[] = [];
  const addresses = { kubernetesApi, oauthProvider } as const;
  for (const [field, ranges] of Object.entries(addresses)) {
    ranges.forEach((range, index) => {
      if (!cidrsOverlap(range, LINK_LOCAL_RANGE)) return;
      issues.push({
        path: ["network", field, index],
        message: `${range} holds link-local addresses (${LINK_LOCAL_RANGE}) with the metadata service ${CLOUD_METADATA_ADDRESS}, which no pod may reach; name the ${field === "kubernetesApi" ? "API server's own addresses (kubectl get endpoints kubernetes), e.g. 10.21.0.10/32" : "identity provider's own addresses, e.g. 10.21.0.20/32"}`,
      });
    });
  }
  egress.forEach((rule, index) => {
    if (!cidrContains(rule.cidr, CLOUD_METADATA_ADDRESS)) return;
    const wide = !cidrContains(LINK_LOCAL_RANGE, rule.cidr);
    issues.push({
      path: ["network", "egress", index, "cidr"],
      message:
        `${rule.cidr} holds the metadata address ${CLOUD_METADATA_ADDRESS}, which hands out node credentials and which no pod may reach; ` +
        (wide
          ? "narrow the range to the destination's own addresses (to open a port on every public address for user pods, use network.extraPublicPorts)"
          : "remove the exception"),
    });
  });
  return issues;
}
