/**
 * Network policies: everything in the hub's namespace is denied, then each component gets only
 * what it needs. Proved as who-can-reach-whom tables over the rendered policies and the labels of
 * the rendered pods (user pods' labels from the hub settings KubeSpawner reads).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config/schema/platform";
import { editableProdConfig, prodConfig } from "../helpers";
import { canReach, type Endpoint, type Protocol } from "../support/network-reachability";
import { type Rendered, render } from "./render-helpers";

type Port = number | `${number}/UDP`;
type Row = readonly [from: string, to: string, port: Port, reachable: boolean];

const KUBE_API_NODE = "10.21.0.10";
const OAUTH_PUBLIC = "203.0.113.10";
const PYPI = "151.101.0.223";
const CAMPUS_HOST = "10.21.5.5";
const MIRROR = "10.21.7.5";
const IDP_PRIVATE = "10.21.0.20";
const NODE = "10.21.0.11";
/** Stands in for the campus's own public range (a documentation range, so nothing real). */
const CAMPUS_PUBLIC = "198.51.100.7";

/** The endpoints of the tables: the rendered pods, plus pods and addresses outside the namespace. */
function endpoints(rendered: Rendered): Map<string, Endpoint> {
  const podOf = (kind: string, name: string, ip: string): Endpoint => ({
    name,
    ip,
    pod: { namespace: "jupyterhub", labels: rendered.get(kind, name).spec.template.metadata.labels },
  });
  const spawner = JSON.parse(rendered.get("ConfigMap", "hub").data["settings.json"]).spawner;
  const userPod = (user: string, ip: string): Endpoint => ({
    name: `jupyter-${user}`,
    ip,
    pod: {
      namespace: "jupyterhub",
      // What KubeSpawner puts on a user pod: username, extra_labels, common_labels, component.
      labels: {
        "hub.jupyter.org/username": user,
        ...spawner.extra_labels,
        ...spawner.common_labels,
        component: "singleuser-server",
        "app.kubernetes.io/component": "singleuser-server",
      },
    },
  });
  const puller = rendered.all("DaemonSet")[0];
  const list: [string, Endpoint][] = [
    ["hub", podOf("Deployment", "hub", "10.42.1.10")],
    ["proxy", podOf("Deployment", "proxy", "10.42.1.11")],
    ["user-scheduler", podOf("Deployment", "user-scheduler", "10.42.1.12")],
    ["hub-db", podOf("StatefulSet", "hub-db", "10.42.1.13")],
    ["singleuser", userPod("alice", "10.42.2.20")],
    ["other-user", userPod("bob", "10.42.3.21")],
    [
      "ingress-controller",
      {
        name: "ingress-nginx-controller",
        ip: "10.42.3.30",
        pod: { namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx" } },
      },
    ],
    [
      "other-namespace",
      { name: "some-pod", ip: "10.42.3.31", pod: { namespace: "default", labels: { app: "jupyterhub" } } },
    ],
    [
      "kube-dns",
      {
        name: "coredns",
        ip: "10.42.0.2",
        pod: { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
      },
    ],
    [
      "kube-system-pod",
      {
        name: "traefik",
        ip: "10.42.0.3",
        pod: { namespace: "kube-system", labels: { "app.kubernetes.io/name": "traefik" } },
      },
    ],
    [
      "prometheus",
      {
        name: "prometheus-server",
        ip: "10.42.3.32",
        pod: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" } },
      },
    ],
    [
      "grafana",
      {
        name: "grafana",
        ip: "10.42.3.33",
        pod: { namespace: "monitoring", labels: { "app.kubernetes.io/name": "grafana" } },
      },
    ],
    ["node", { name: "a node (hostNetwork pods send from here)", ip: NODE }],
    ["kubernetes-api", { name: "kube-apiserver", ip: KUBE_API_NODE }],
    ["169.254.169.254", { name: "cloud metadata", ip: "169.254.169.254" }],
    ["169.254.20.10", { name: "link-local (a node-local DNS cache)", ip: "169.254.20.10" }],
    ["100.64.1.1", { name: "CGNAT (carrier NAT, a VPN overlay)", ip: "100.64.1.1" }],
    ["10.0.0.5", { name: "a private address", ip: "10.0.0.5" }],
    ["224.0.0.251", { name: "multicast (mDNS)", ip: "224.0.0.251" }],
    ["8.8.8.8", { name: "a public resolver", ip: "8.8.8.8" }],
    ["1.1.1.1", { name: "a public host", ip: "1.1.1.1" }],
    ["campus-public", { name: "a campus server on a public address", ip: CAMPUS_PUBLIC }],
    ["pypi", { name: "pypi.org", ip: PYPI }],
    ["oauth-public", { name: "identity provider", ip: OAUTH_PUBLIC }],
    ["oauth-private", { name: "identity provider (campus)", ip: IDP_PRIVATE }],
    ["campus-host", { name: "a campus server", ip: CAMPUS_HOST }],
    ["mirror", { name: "package mirror", ip: MIRROR }],
  ];
  if (puller) {
    list.push([
      "image-puller",
      {
        name: puller.metadata.name,
        ip: "10.42.2.40",
        pod: { namespace: "jupyterhub", labels: puller.spec.template.metadata.labels },
      },
    ]);
  }
  return new Map(list);
}

/** Each row as evaluated, so a failure shows every wrong row at once. */
function evaluate(rendered: Rendered, rows: readonly Row[]): Row[] {
  const policies = rendered.all("NetworkPolicy");
  const known = endpoints(rendered);
  const endpoint = (name: string) => {
    const found = known.get(name);
    assert.ok(found, `endpoint ${name}`);
    return found;
  };
  return rows.map(([from, to, port]) => {
    const [number, protocol] = String(port).split("/");
    return [
      from,
      to,
      port,
      canReach(policies, endpoint(from), endpoint(to), Number(number), (protocol ?? "TCP") as Protocol),
    ] as const;
  });
}

let prod: Rendered;
before(async () => {
  prod = await render(prodConfig());
});

/** The prod config with network fields replaced (the rest of the section as prod has it). */
function prodWithNetwork(network: Partial<PlatformConfig["network"]>): PlatformConfig {
  const config = editableProdConfig();
  (config as { network: PlatformConfig["network"] }).network = { ...config.network, ...network };
  return config;
}

describe("network policies", () => {
  test("the prod stack: who can reach whom", () => {
    const table: Row[] = [
      // user servers: only the proxy and the hub reach them, never another user
      ["proxy", "singleuser", 8888, true],
      ["hub", "singleuser", 8888, true],
      ["other-user", "singleuser", 8888, false],
      ["singleuser", "other-user", 8888, false],
      ["singleuser", "other-user", 22, false],
      ["ingress-controller", "singleuser", 8888, false],
      ["other-namespace", "singleuser", 8888, false],
      // user servers reach DNS, the hub API and public addresses; nothing private, no metadata
      ["singleuser", "kube-dns", "53/UDP", true],
      ["singleuser", "kube-dns", 53, true],
      ["singleuser", "hub", 8081, true],
      ["singleuser", "pypi", 443, true],
      ["singleuser", "pypi", 80, true],
      ["singleuser", "169.254.169.254", 80, false],
      ["singleuser", "169.254.169.254", "53/UDP", false],
      ["singleuser", "campus-host", 22, false],
      ["singleuser", "kubernetes-api", 6443, false],
      ["singleuser", "proxy", 8001, false],
      ["singleuser", "proxy", 8000, false],
      ["singleuser", "hub-db", 5432, false],
      ["singleuser", "kube-dns", 9153, false],
      // ... DNS from CoreDNS only, public addresses on web ports only; link-local, CGNAT, multicast closed
      ["singleuser", "kube-system-pod", "53/UDP", false],
      ["singleuser", "kube-system-pod", 53, false],
      ["singleuser", "8.8.8.8", "53/UDP", false],
      ["singleuser", "8.8.8.8", 25, false],
      ["singleuser", "1.1.1.1", 443, true],
      ["singleuser", "1.1.1.1", 80, true],
      ["singleuser", "1.1.1.1", 22, false],
      ["singleuser", "1.1.1.1", "443/UDP", false],
      ["singleuser", "169.254.169.254", 443, false],
      ["singleuser", "169.254.20.10", "53/UDP", false],
      ["singleuser", "169.254.20.10", 80, false],
      ["singleuser", "100.64.1.1", 443, false],
      ["singleuser", "10.0.0.5", 443, false],
      ["singleuser", "224.0.0.251", "5353/UDP", false],
      // the hub: called by the proxy and user pods; calls API server, proxy API, users, database, IdP
      ["proxy", "hub", 8081, true],
      ["ingress-controller", "hub", 8081, false],
      ["other-namespace", "hub", 8081, false],
      ["hub", "kubernetes-api", 6443, true],
      ["hub", "kubernetes-api", 443, true],
      ["hub", "proxy", 8001, true],
      ["hub", "proxy", 8000, false],
      ["hub", "hub-db", 5432, true],
      ["hub", "kube-dns", "53/UDP", true],
      ["hub", "oauth-public", 443, true],
      ["hub", "pypi", 80, false],
      ["hub", "pypi", 443, true], // no API address configured: 443 is open to any address but link-local (documented)
      ["hub", "169.254.169.254", 443, false],
      ["hub", "169.254.169.254", 6443, false],
      ["hub", "169.254.169.254", 80, false],
      ["hub", "169.254.20.10", 443, false],
      ["hub", "kube-system-pod", "53/UDP", false],
      ["prometheus", "hub", 8081, false],
      // the proxy: public traffic from the ingress controller, its API for the hub only
      ["ingress-controller", "proxy", 8000, true],
      ["ingress-controller", "proxy", 8001, false],
      ["other-namespace", "proxy", 8000, false],
      ["proxy", "pypi", 443, false],
      ["proxy", "hub-db", 5432, false],
      ["proxy", "kube-dns", "53/UDP", true],
      ["proxy", "kube-system-pod", "53/UDP", false],
      ["proxy", "169.254.169.254", 443, false],
      ["prometheus", "proxy", 8002, false],
      ["node", "proxy", 8000, false],
      // the database: the hub only
      ["proxy", "hub-db", 5432, false],
      ["user-scheduler", "hub-db", 5432, false],
      ["hub-db", "pypi", 443, false],
      ["hub-db", "kube-dns", "53/UDP", false],
      // the user scheduler: the API server and DNS
      ["user-scheduler", "kubernetes-api", 6443, true],
      ["user-scheduler", "kube-dns", "53/UDP", true],
      ["user-scheduler", "hub", 8081, false],
      ["user-scheduler", "pypi", 443, true], // no API address configured: 443 is open (documented)
      ["user-scheduler", "pypi", 80, false],
      ["user-scheduler", "169.254.169.254", 443, false],
      ["user-scheduler", "169.254.169.254", 6443, false],
      ["user-scheduler", "169.254.20.10", 6443, false],
      ["user-scheduler", "kube-system-pod", "53/UDP", false],
      // anything else in the namespace (the image pullers) is denied both ways
      ["image-puller", "pypi", 443, false],
      ["image-puller", "kube-dns", "53/UDP", false],
      ["proxy", "image-puller", 8888, false],
    ];
    assert.deepEqual(evaluate(prod, table), table);
  });

  test("with addresses for the API server and the IdP, no public internet, and a mirror exception", async () => {
    const config = prodWithNetwork({
      publicInternet: false,
      kubernetesApi: [`${KUBE_API_NODE}/32`],
      oauthProvider: [`${IDP_PRIVATE}/32`],
      egress: [
        {
          name: "pypi-mirror",
          cidr: "10.21.7.0/24",
          ports: [{ port: 3128, protocol: "TCP" }],
          from: ["singleuser"],
        },
      ],
    });
    const table: Row[] = [
      ["singleuser", "pypi", 443, false],
      ["singleuser", "1.1.1.1", 80, false],
      ["singleuser", "mirror", 3128, true],
      ["singleuser", "mirror", 22, false],
      ["singleuser", "kube-dns", "53/UDP", true],
      ["singleuser", "hub", 8081, true],
      ["hub", "mirror", 3128, false],
      ["proxy", "mirror", 3128, false],
      ["hub", "kubernetes-api", 6443, true],
      ["hub", "campus-host", 6443, false],
      ["hub", "oauth-private", 443, true],
      ["hub", "oauth-public", 443, false],
      ["hub", "pypi", 443, false],
      ["hub", "169.254.169.254", 443, false],
      ["hub", "169.254.169.254", 80, false],
      ["user-scheduler", "kubernetes-api", 443, true],
      ["user-scheduler", "pypi", 443, false],
      ["user-scheduler", "oauth-private", 443, false],
      ["user-scheduler", "169.254.169.254", 443, false],
    ];
    assert.deepEqual(evaluate(await render(config), table), table);
  });

  test("user pods reach public addresses on 80, 443 and the stack's extra ports; campus ranges only through an exception", async () => {
    const config = prodWithNetwork({
      extraPublicPorts: [22],
      campusRanges: ["198.51.100.0/24"],
      egress: [
        {
          name: "campus-git",
          cidr: `${CAMPUS_PUBLIC}/32`,
          ports: [{ port: 22, protocol: "TCP" }],
          from: ["singleuser"],
        },
      ],
    });
    const table: Row[] = [
      ["singleuser", "1.1.1.1", 22, true],
      ["singleuser", "1.1.1.1", 443, true],
      ["singleuser", "1.1.1.1", 80, true],
      ["singleuser", "8.8.8.8", 25, false],
      ["singleuser", "8.8.8.8", 3389, false],
      ["singleuser", "campus-public", 443, false],
      ["singleuser", "campus-public", 22, true],
      ["singleuser", "169.254.169.254", 22, false],
      ["singleuser", "169.254.169.254", 80, false],
      ["singleuser", "100.64.1.1", 22, false],
      ["singleuser", "10.0.0.5", 22, false],
      ["singleuser", "campus-host", 22, false],
      ["singleuser", "other-user", 22, false],
      ["hub", "campus-public", 22, false],
      ["hub", "1.1.1.1", 22, false],
    ];
    assert.deepEqual(evaluate(await render(config), table), table);
  });

  test("metrics scrapers and a hostNetwork ingress controller's nodes reach what the stack opens to them", async () => {
    const config = prodWithNetwork({
      metricsScrapers: [{ namespace: "monitoring", podLabels: { "app.kubernetes.io/name": "prometheus" } }],
      ingressControllerNodes: ["10.21.0.0/24"],
    });
    const table: Row[] = [
      ["prometheus", "hub", 8081, true],
      ["prometheus", "proxy", 8002, true],
      ["prometheus", "proxy", 8001, false],
      ["prometheus", "proxy", 8000, false],
      ["prometheus", "singleuser", 8888, false],
      ["prometheus", "hub-db", 5432, false],
      ["prometheus", "user-scheduler", 10259, false],
      ["grafana", "hub", 8081, false],
      ["other-namespace", "hub", 8081, false],
      ["node", "proxy", 8000, true],
      ["node", "proxy", 8001, false],
      ["node", "hub", 8081, false],
      ["node", "singleuser", 8888, false],
      ["ingress-controller", "proxy", 8000, true],
      ["pypi", "proxy", 8000, false],
    ];
    assert.deepEqual(evaluate(await render(config), table), table);
    // A scraper named by its namespace only: every pod there.
    const wholeNamespace = prodWithNetwork({ metricsScrapers: [{ namespace: "monitoring", podLabels: {} }] });
    const rows: Row[] = [
      ["grafana", "hub", 8081, true],
      ["grafana", "proxy", 8002, true],
      ["other-namespace", "hub", 8081, false],
    ];
    assert.deepEqual(evaluate(await render(wholeNamespace), rows), rows);
  });

  test("a proxy-public Service of type LoadBalancer lets outside traffic reach the proxy's port 8000 only", async () => {
    const config = editableProdConfig();
    (config.ingress as { publicServiceType: string }).publicServiceType = "LoadBalancer";
    const table: Row[] = [
      ["pypi", "proxy", 8000, true],
      ["pypi", "proxy", 8001, false],
      ["pypi", "hub", 8081, false],
      ["pypi", "singleuser", 8888, false],
    ];
    assert.deepEqual(evaluate(await render(config), table), table);
    assert.deepEqual(evaluate(prod, [["pypi", "proxy", 8000, false]]), [["pypi", "proxy", 8000, false]]);
  });

  test("a default deny for both directions, and every other policy selects pods that are rendered", () => {
    const policies = prod.all("NetworkPolicy").filter((policy) => policy.metadata.namespace === "jupyterhub");
    assert.deepEqual(policies.map((policy) => policy.metadata.name).sort(), [
      "default-deny",
      "hub",
      "hub-db",
      "proxy",
      "singleuser",
      "user-scheduler",
    ]);
    const deny = prod.get("NetworkPolicy", "default-deny");
    assert.deepEqual(deny.spec, {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [],
      egress: [],
    });
    const pods = [...endpoints(prod).values()].filter((endpoint) => endpoint.pod?.namespace === "jupyterhub");
    for (const policy of policies) {
      assert.equal(policy.metadata.namespace, "jupyterhub");
      const selected = pods.filter((pod) =>
        Object.entries(policy.spec.podSelector.matchLabels ?? {}).every(
          ([key, value]) => pod.pod?.labels[key] === value,
        ),
      );
      assert.ok(selected.length > 0, `${policy.metadata.name} selects a pod`);
    }
  });

  test("ingress is keyed on the z2jh access labels, DNS on CoreDNS's pods, the proxy on the ingress namespace", () => {
    const [hubIngress] = prod.get("NetworkPolicy", "hub").spec.ingress;
    assert.deepEqual(hubIngress, {
      from: [{ podSelector: { matchLabels: { "hub.jupyter.org/network-access-hub": "true" } } }],
      ports: [{ port: 8081, protocol: "TCP" }],
    });
    const proxy = prod.get("NetworkPolicy", "proxy").spec;
    assert.deepEqual(proxy.ingress[0].from, [
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } },
    ]);
    const singleuser = prod.get("NetworkPolicy", "singleuser").spec;
    assert.deepEqual(singleuser.podSelector, {
      matchLabels: { app: "jupyterhub", component: "singleuser-server" },
    });
    assert.deepEqual(singleuser.egress[0], {
      to: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
          podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
      ],
      ports: [
        { port: 53, protocol: "UDP" },
        { port: 53, protocol: "TCP" },
      ],
    });
    const notPublic = [
      "10.0.0.0/8",
      "172.16.0.0/12",
      "192.168.0.0/16",
      "100.64.0.0/10",
      "0.0.0.0/8",
      "127.0.0.0/8",
      "169.254.0.0/16",
      "224.0.0.0/4",
      "240.0.0.0/4",
    ];
    assert.deepEqual(singleuser.egress[2], {
      to: [{ ipBlock: { cidr: "0.0.0.0/0", except: notPublic } }],
      ports: [
        { port: 80, protocol: "TCP" },
        { port: 443, protocol: "TCP" },
      ],
    });
    // Without network.kubernetesApi: 443 and 6443 anywhere but link-local, loopback, multicast, reserved.
    assert.deepEqual(prod.get("NetworkPolicy", "hub").spec.egress[0], {
      to: [
        {
          ipBlock: {
            cidr: "0.0.0.0/0",
            except: ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4"],
          },
        },
      ],
      ports: [
        { port: 443, protocol: "TCP" },
        { port: 6443, protocol: "TCP" },
      ],
    });
  });

  test("the NFS provisioner's namespace is closed too, except the provisioner's calls to the API server", async () => {
    const provisioner: Endpoint = {
      name: "nfs-subdir-external-provisioner",
      ip: "10.42.4.50",
      pod: {
        namespace: "nfs-provisioner",
        labels: prod.get("Deployment", "nfs-subdir-external-provisioner").spec.template.metadata.labels,
      },
    };
    const known = endpoints(prod);
    const endpoint = (name: string) => known.get(name) as Endpoint;
    const policies = prod.all("NetworkPolicy");
    const table = [
      [provisioner, endpoint("kubernetes-api"), 6443, true],
      [provisioner, endpoint("pypi"), 80, false],
      [provisioner, endpoint("169.254.169.254"), 443, false],
      [provisioner, endpoint("169.254.169.254"), 80, false],
      [provisioner, endpoint("kube-dns"), 53, false],
      [provisioner, endpoint("hub"), 8081, false],
      [endpoint("singleuser"), provisioner, 8080, false],
      [endpoint("other-namespace"), provisioner, 8080, false],
    ] as const;
    assert.deepEqual(
      table.map(([from, to, port]) => canReach(policies, from, to, port)),
      table.map((row) => row[3]),
    );
    assert.deepEqual(
      policies
        .filter((policy) => policy.metadata.namespace === "nfs-provisioner")
        .map((policy) => policy.metadata.name)
        .sort(),
      ["default-deny", "nfs-subdir-external-provisioner"],
    );
    // With the API server's address known, only that address.
    const withApi = (await render(prodWithNetwork({ kubernetesApi: [`${KUBE_API_NODE}/32`] }))).all(
      "NetworkPolicy",
    );
    const narrowed = [
      [provisioner, endpoint("kubernetes-api"), 6443, true],
      [provisioner, endpoint("pypi"), 443, false],
      [provisioner, endpoint("169.254.169.254"), 443, false],
    ] as const;
    assert.deepEqual(
      narrowed.map(([from, to, port]) => canReach(withApi, from, to, port)),
      narrowed.map((row) => row[3]),
    );
  });

  test("an external database has no database policy, and the hub gets no port 5432", async () => {
    const config = editableProdConfig();
    (config as { database: unknown }).database = { type: "external", urlSecretKey: "databaseUrl" };
    const rendered = await render(config, { databaseUrl: pulumi.secret("postgresql://u:p@db/x") });
    assert.ok(!rendered.all("NetworkPolicy").some((policy) => policy.metadata.name === "hub-db"));
    assert.ok(!JSON.stringify(rendered.get("NetworkPolicy", "hub").spec.egress).includes("5432"));
  });
});
