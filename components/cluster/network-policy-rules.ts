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
 * - egress names the destination component; what lies outside the namespace (DNS, the API server,
 *   the identity provider, public addresses, the stack's exceptions) is in network-peers.ts.
 */
import type { PlatformConfig } from "../../config/schema/platform";
import { ACCESS_LABELS, type Component, NAMES, PORTS, selectorLabels } from "../names";
import { backupDatabaseClients } from "./backup-policy-rules";
import { monitoringScrapers, notifierEgress, type ScrapedComponent } from "./monitoring-targets";
import {
  auditShipping,
  DNS,
  exceptions,
  kubernetesApi,
  oauthProvider,
  publicSources,
  scrapers,
  tcp,
  userPublicInternet,
} from "./network-peers";

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

const component = (name: Component): PolicyPeer => ({ podSelector: { matchLabels: selectorLabels(name) } });
const labelled = (label: string): PolicyPeer => ({ podSelector: { matchLabels: { [label]: "true" } } });

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
      [kubernetesApi(config.network)],
    ),
  ];
}

/** The sections the hub namespace's policies read. */
export type NetworkPolicyConfig = Pick<PlatformConfig, "database" | "ingress" | "network" | "auth"> &
  Partial<Pick<PlatformConfig, "monitoring" | "backup" | "audit">>;

/** The hub's namespace. */
export function networkPolicyRules(config: NetworkPolicyConfig): NetworkPolicyRules[] {
  const postgres = config.database.type === "postgres";
  const { network } = config;
  // The stack's scrapers, plus the monitoring section's Prometheus for the targets it scrapes.
  const scrapedBy = (target: ScrapedComponent, port: number, stackScrapers = network.metricsScrapers) =>
    scrapers(
      { ...network, metricsScrapers: [...stackScrapers, ...monitoringScrapers(config.monitoring, target)] },
      port,
    );

  const policies: NetworkPolicyRules[] = [
    DEFAULT_DENY,
    policy(
      NAMES.hub,
      "The hub: called by the proxy and user pods; calls the API server, proxy, user pods, database, identity provider.",
      "hub",
      [{ from: [labelled(ACCESS_LABELS.toHub)], ports: tcp(PORTS.hub) }, ...scrapedBy("hub", PORTS.hub)],
      [
        kubernetesApi(network),
        { to: [component("proxy")], ports: tcp(PORTS.proxyApi) },
        { to: [component("singleuser-server")], ports: tcp(PORTS.singleuser) },
        ...(postgres ? [{ to: [component("hub-db")], ports: tcp(PORTS.postgres) }] : []),
        DNS,
        oauthProvider(config),
        ...notifierEgress(config.monitoring),
        ...auditShipping(config.audit),
        ...exceptions(network, "hub"),
      ],
    ),
    policy(
      NAMES.proxy,
      "The proxy: public traffic from the ingress controller, route API calls from the hub only, metrics for the stack's scrapers.",
      "proxy",
      [
        { from: publicSources(config), ports: tcp(PORTS.proxyHttp) },
        { from: [labelled(ACCESS_LABELS.toProxyApi)], ports: tcp(PORTS.proxyApi) },
        ...scrapedBy("proxy", PORTS.proxyMetrics),
      ],
      [
        { to: [component("hub")], ports: tcp(PORTS.hub) },
        { to: [component("singleuser-server")], ports: tcp(PORTS.singleuser) },
        DNS,
        ...exceptions(network, "proxy"),
      ],
    ),
    policy(
      "singleuser",
      "User servers: reached through the proxy (and by the hub); reach the hub, CoreDNS and, if allowed, public addresses on web ports; never each other.",
      "singleuser-server",
      [{ from: [labelled(ACCESS_LABELS.toSingleuser)], ports: tcp(PORTS.singleuser) }],
      [
        DNS,
        { to: [component("hub")], ports: tcp(PORTS.hub) },
        ...userPublicInternet(network),
        ...exceptions(network, "singleuser"),
      ],
    ),
    policy(
      NAMES.userScheduler,
      "The user scheduler: only the API server and DNS.",
      "user-scheduler",
      scrapedBy("userScheduler", PORTS.schedulerHealth, []),
      [kubernetesApi(network), DNS],
    ),
  ];
  if (postgres) {
    const backups = backupDatabaseClients(config);
    policies.push(
      policy(
        NAMES.hubDatabase,
        backups.length > 0
          ? "The hub's database: the hub, and the database's backup job (backup namespace); it calls nothing."
          : "The hub's database: the hub only; it calls nothing.",
        "hub-db",
        [{ from: [component("hub")], ports: tcp(PORTS.postgres) }, ...backups],
        [],
      ),
    );
  }
  return policies;
}
