/**
 * Who may talk to whom in the hub's namespace, as plain NetworkPolicy specs: everything is denied
 * (ingress and egress), then each component gets only what it needs. Pure, so tests can evaluate
 * the policies as a reachability table without a cluster.
 *
 * Selectors follow the pods the JupyterHub components render:
 * - a policy selects its pods by the stable selector labels (app, component); user pods carry
 *   app=jupyterhub from KubeSpawner's common_labels and component=singleuser-server;
 * - ingress admits pods by z2jh's access labels (ACCESS_LABELS), which the hub, proxy and user
 *   pods already carry, so "who may call the hub" is written once, on the caller;
 * - egress names the destination component.
 */
import type { PlatformConfig } from "../../config/schema/platform";
import { ACCESS_LABELS, type Component, DNS_NAMESPACE, NAMES, PORTS, selectorLabels } from "../names";

export type Protocol = "TCP" | "UDP";
export interface PolicyPort {
  readonly port: number;
  readonly protocol: Protocol;
}
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
}
export interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}
export interface IngressRule {
  readonly from: readonly PolicyPeer[];
  readonly ports: readonly PolicyPort[];
}
/** `to` absent: any destination; `ports` absent: any port. */
export interface EgressRule {
  readonly to?: readonly PolicyPeer[];
  readonly ports?: readonly PolicyPort[];
}
export interface NetworkPolicyRules {
  readonly name: string;
  /** Why the policy exists, for the object's description annotation. */
  readonly description: string;
  readonly podSelector: LabelSelector;
  readonly policyTypes: readonly ("Ingress" | "Egress")[];
  readonly ingress: readonly IngressRule[];
  readonly egress: readonly EgressRule[];
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;
/** The cloud metadata endpoint: never reachable from user code, even where a cloud has none. */
const CLOUD_METADATA = "169.254.169.254/32";
/** Ports the API server answers on: 443 through the `kubernetes` Service, 6443 on the nodes. */
const KUBERNETES_API_PORTS = [443, 6443] as const;

const tcp = (...ports: number[]): PolicyPort[] => ports.map((port) => ({ port, protocol: "TCP" }));
const component = (name: Component): PolicyPeer => ({ podSelector: { matchLabels: selectorLabels(name) } });
const labelled = (label: string): PolicyPeer => ({ podSelector: { matchLabels: { [label]: "true" } } });
const inNamespace = (namespace: string): PolicyPeer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
});
const cidrs = (list: readonly string[]): PolicyPeer[] => list.map((cidr) => ({ ipBlock: { cidr } }));
/** Public addresses: everything but the private ranges (the cluster, the campus) and metadata. */
const PUBLIC_INTERNET: PolicyPeer = {
  ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES, CLOUD_METADATA] },
};

const DNS: EgressRule = {
  to: [inNamespace(DNS_NAMESPACE)],
  ports: [
    { port: 53, protocol: "UDP" },
    { port: 53, protocol: "TCP" },
  ],
};

/**
 * The API server by its configured addresses; without them, ports 443 and 6443 to any address
 * (the API server is reached through a Service IP that the CNI may or may not translate before
 * the policy sees it, so an address rule would be a guess).
 */
function kubernetesApi(config: Pick<PlatformConfig, "network">): EgressRule {
  const { kubernetesApi: addresses } = config.network;
  return addresses.length > 0
    ? { to: cidrs(addresses), ports: tcp(...KUBERNETES_API_PORTS) }
    : { ports: tcp(...KUBERNETES_API_PORTS) };
}

/** Ports of the URLs the hub itself calls (token and userinfo; authorize is the browser's). */
function oauthPorts(config: Pick<PlatformConfig, "auth">): number[] {
  const { tokenUrl, userdataUrl } = config.auth.oauth;
  const ports = [tokenUrl, userdataUrl].map((text) => {
    const url = new URL(text);
    return url.port ? Number(url.port) : url.protocol === "http:" ? 80 : 443;
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** The identity provider by its configured addresses, else any public address on its ports. */
function oauthProvider(config: Pick<PlatformConfig, "network" | "auth">): EgressRule {
  const { oauthProvider: addresses } = config.network;
  return {
    to: addresses.length > 0 ? cidrs(addresses) : [PUBLIC_INTERNET],
    ports: tcp(...oauthPorts(config)),
  };
}

/** The stack's own exceptions (a package mirror, a licence server) for the pods they name. */
function exceptions(
  config: Pick<PlatformConfig, "network">,
  from: "hub" | "proxy" | "singleuser",
): EgressRule[] {
  return config.network.egress
    .filter((rule) => rule.from.includes(from))
    .map((rule) => ({
      to: [{ ipBlock: { cidr: rule.cidr } }],
      ports: rule.ports.map((port) => ({ port: port.port, protocol: port.protocol })),
    }));
}

function policy(
  name: string,
  description: string,
  pods: Component,
  ingress: IngressRule[],
  egress: EgressRule[],
): NetworkPolicyRules {
  return {
    name,
    description,
    podSelector: { matchLabels: selectorLabels(pods) },
    policyTypes: ["Ingress", "Egress"],
    ingress,
    egress,
  };
}

const DEFAULT_DENY: NetworkPolicyRules = {
  name: NAMES.defaultDenyPolicy,
  description: "Nothing in the namespace sends or receives anything no other policy allows.",
  podSelector: {},
  policyTypes: ["Ingress", "Egress"],
  ingress: [],
  egress: [],
};

/**
 * The NFS provisioner's namespace: closed, except the provisioner's calls to the API server. Its
 * NFS mount needs no rule: the kubelet mounts the export on the host, outside the pod's network.
 */
export function nfsProvisionerPolicyRules(config: Pick<PlatformConfig, "network">): NetworkPolicyRules[] {
  return [
    DEFAULT_DENY,
    policy(
      NAMES.nfsProvisioner,
      "The NFS provisioner: only the API server, to watch claims and create volumes.",
      "nfs-provisioner",
      [],
      [kubernetesApi(config)],
    ),
  ];
}

/** The sections the hub namespace's policies read. */
export type NetworkPolicyConfig = Pick<PlatformConfig, "database" | "ingress" | "network" | "auth">;

/** The hub's namespace. */
export function networkPolicyRules(config: NetworkPolicyConfig): NetworkPolicyRules[] {
  const postgres = config.database.type === "postgres";
  // A proxy-public Service of type LoadBalancer/NodePort brings traffic from outside the cluster,
  // whose source no namespace selector can name.
  const publicSources =
    config.ingress.publicServiceType === "ClusterIP"
      ? [inNamespace(config.ingress.controllerNamespace)]
      : [inNamespace(config.ingress.controllerNamespace), { ipBlock: { cidr: "0.0.0.0/0" } }];

  const policies: NetworkPolicyRules[] = [
    DEFAULT_DENY,
    policy(
      NAMES.hub,
      "The hub: called by the proxy and user pods; calls the API server, proxy, user pods, database, identity provider.",
      "hub",
      [{ from: [labelled(ACCESS_LABELS.toHub)], ports: tcp(PORTS.hub) }],
      [
        kubernetesApi(config),
        { to: [component("proxy")], ports: tcp(PORTS.proxyApi) },
        { to: [component("singleuser-server")], ports: tcp(PORTS.singleuser) },
        ...(postgres ? [{ to: [component("hub-db")], ports: tcp(PORTS.postgres) }] : []),
        DNS,
        oauthProvider(config),
        ...exceptions(config, "hub"),
      ],
    ),
    policy(
      NAMES.proxy,
      "The proxy: public traffic from the ingress controller, route API calls from the hub only.",
      "proxy",
      [
        { from: publicSources, ports: tcp(PORTS.proxyHttp) },
        { from: [labelled(ACCESS_LABELS.toProxyApi)], ports: tcp(PORTS.proxyApi) },
      ],
      [
        { to: [component("hub")], ports: tcp(PORTS.hub) },
        { to: [component("singleuser-server")], ports: tcp(PORTS.singleuser) },
        DNS,
        ...exceptions(config, "proxy"),
      ],
    ),
    policy(
      "singleuser",
      "User servers: reached through the proxy (and by the hub); reach the hub, DNS and, if allowed, public addresses; never each other.",
      "singleuser-server",
      [{ from: [labelled(ACCESS_LABELS.toSingleuser)], ports: tcp(PORTS.singleuser) }],
      [
        DNS,
        { to: [component("hub")], ports: tcp(PORTS.hub) },
        ...(config.network.publicInternet ? [{ to: [PUBLIC_INTERNET] }] : []),
        ...exceptions(config, "singleuser"),
      ],
    ),
    policy(
      NAMES.userScheduler,
      "The user scheduler: only the API server and DNS.",
      "user-scheduler",
      [],
      [kubernetesApi(config), DNS],
    ),
  ];
  if (postgres) {
    policies.push(
      policy(
        NAMES.hubDatabase,
        "The hub's database: the hub only; it calls nothing.",
        "hub-db",
        [{ from: [component("hub")], ports: tcp(PORTS.postgres) }],
        [],
      ),
    );
  }
  return policies;
}
