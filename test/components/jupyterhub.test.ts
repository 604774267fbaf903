/** The JupyterHub layer under mocks: names, labels, selectors, ports, secrets, and what the seed's runbook needs. */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import {
  HUB_CAPACITY_RULES,
  HUB_NODE_READER_RULES,
  HUB_RBAC_RULES,
} from "../../components/jupyterhub/hub-spec";
import { SECRET_MARKER } from "../../render/collect";
import { editableProdConfig, prodConfig } from "../helpers";
import { type K8sObject, podSpec, type Rendered, render } from "./render-helpers";

const OAUTH_SECRET = "oauth-s3cr3t-do-not-leak";
let prod: Rendered;

before(async () => {
  prod = await render(prodConfig(), { oauthClientSecret: pulumi.secret(OAUTH_SECRET) });
});

const WORKLOADS = [
  ["Deployment", "hub", "hub", "jupyterhub"],
  ["Deployment", "proxy", "proxy", "jupyterhub"],
  ["Deployment", "user-scheduler", "user-scheduler", "jupyterhub-scheduler"],
  ["StatefulSet", "hub-db", "hub-db", "jupyterhub"],
] as const;

describe("JupyterHub components", () => {
  test("use the runbook's names and labels", () => {
    for (const [kind, name, component, namespace] of WORKLOADS) {
      const workload = prod.get(kind, name);
      assert.equal(workload.metadata.namespace, namespace);
      assert.equal(workload.metadata.labels?.app, "jupyterhub");
      assert.equal(workload.metadata.labels?.component, component);
      assert.equal(workload.metadata.labels?.["app.kubernetes.io/name"], "jupyterhub");
      assert.equal(workload.spec.template.metadata.labels.component, component);
    }
    for (const name of ["hub", "proxy-api", "proxy-public", "hub-db"]) prod.get("Service", name);
    prod.get("ConfigMap", "hub");
    prod.get("Secret", "hub");
    prod.get("Namespace", "jupyterhub");
  });

  test("selectors of Deployments, StatefulSets, Services and budgets match their pods", () => {
    const pods = prod.objects.filter((object) => object.spec?.template?.metadata?.labels);
    const matches = (selector: Record<string, string>) =>
      pods.filter((pod) =>
        Object.entries(selector).every(([key, value]) => pod.spec.template.metadata.labels[key] === value),
      );
    for (const workload of pods) {
      assert.deepEqual(
        matches(workload.spec.selector.matchLabels),
        [workload],
        `${workload.kind}/${workload.metadata.name}`,
      );
    }
    for (const service of prod.all("Service")) {
      assert.equal(
        matches(service.spec.selector).length,
        1,
        `Service ${service.metadata.name} selects one workload`,
      );
    }
    for (const budget of prod.all("PodDisruptionBudget")) {
      assert.equal(matches(budget.spec.selector.matchLabels).length, 1, `PDB ${budget.metadata.name}`);
    }
  });

  test("Services point at ports the pods declare", () => {
    const expected: Record<string, [number, string]> = {
      hub: [8081, "http"],
      "proxy-api": [8001, "api"],
      "proxy-public": [80, "http"],
      "hub-db": [5432, "postgres"],
    };
    for (const [name, [port, targetPort]] of Object.entries(expected)) {
      const service = prod.get("Service", name);
      assert.equal(service.spec.ports[0].port, port, name);
      assert.equal(service.spec.ports[0].targetPort, targetPort, name);
      const workload = prod.objects.find(
        (object) =>
          object.spec?.template &&
          Object.entries(service.spec.selector).every(
            ([k, v]) => object.spec.template.metadata.labels[k] === v,
          ),
      ) as K8sObject;
      const ports = podSpec(workload).containers.flatMap(
        (c: { ports?: { name: string }[] }) => c.ports ?? [],
      );
      assert.ok(
        ports.some((p: { name: string }) => p.name === targetPort),
        `${name} → ${targetPort}`,
      );
    }
    assert.equal(prod.get("Service", "proxy-api").spec.type, "ClusterIP");
    assert.equal(prod.get("Service", "proxy-public").spec.type, "ClusterIP");
  });

  test("every secret a pod reads exists, and every generated secret is read by someone", () => {
    const secrets = new Map(
      prod.all("Secret").map((secret) => [secret.metadata.name, Object.keys(secret.stringData)]),
    );
    const used = new Set<string>();
    for (const workload of prod.objects.filter((object) => object.spec?.template)) {
      for (const container of podSpec(workload).containers) {
        for (const env of container.env ?? []) {
          const ref = env.valueFrom?.secretKeyRef;
          if (!ref) continue;
          assert.ok(
            secrets.get(ref.name)?.includes(ref.key),
            `${workload.metadata.name}: ${ref.name}/${ref.key}`,
          );
          used.add(`${ref.name}/${ref.key}`);
        }
      }
    }
    assert.deepEqual([...used].sort(), [
      "hub-db/password",
      "hub/cookie-secret",
      "hub/crypt-key",
      "hub/metrics-token",
      "hub/oauth-client-secret",
      "hub/proxy-auth-token",
    ]);
  });

  test("no secret value appears in a ConfigMap, an env literal or anywhere outside a Secret", () => {
    for (const secret of prod.all("Secret")) {
      for (const value of Object.values(secret.stringData)) assert.equal(value, SECRET_MARKER);
    }
    const everythingElse = JSON.stringify(prod.objects.filter((object) => object.kind !== "Secret"));
    assert.ok(!everythingElse.includes(OAUTH_SECRET));
    assert.ok(!everythingElse.includes(SECRET_MARKER), "no secret flows into a non-Secret object");
    for (const workload of prod.objects.filter((object) => object.spec?.template)) {
      for (const container of podSpec(workload).containers) {
        for (const env of container.env ?? []) {
          assert.ok(
            !/TOKEN|SECRET|PASSWORD|KEY/.test(env.name) || env.valueFrom,
            `${env.name} comes from a Secret`,
          );
        }
      }
    }
  });

  test("the hub: one replica, Recreate, pinned image, probes, non-root, resources", () => {
    const hub = prod.get("Deployment", "hub");
    assert.equal(hub.spec.replicas, 1);
    assert.equal(hub.spec.strategy.type, "Recreate");
    const [container] = podSpec(hub).containers;
    assert.match(container.image, /^quay\.io\/jupyterhub\/k8s-hub:\d+\.\d+\.\d+$/);
    assert.equal(container.readinessProbe.httpGet.path, "/hub/health");
    assert.equal(container.livenessProbe.httpGet.path, "/hub/health");
    assert.equal(container.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.resources, {
      requests: { cpu: "1", memory: "2Gi" },
      limits: { cpu: "4", memory: "8Gi" },
    });
    assert.equal(podSpec(hub).serviceAccountName, "hub");
  });

  test("the hub's RBAC is the least KubeSpawner needs", () => {
    assert.deepEqual(prod.get("Role", "hub").rules, HUB_RBAC_RULES);
    const verbs = HUB_RBAC_RULES.flatMap((rule) => rule.verbs);
    assert.ok(!verbs.includes("update") && !verbs.includes("patch") && !verbs.includes("*"));
    assert.ok(!HUB_RBAC_RULES.some((rule) => rule.resources.includes("secrets")));
  });

  test("a settings change rolls the hub through its checksum annotation, and nothing else", async () => {
    const changed = editableProdConfig();
    (changed.profiles[1] as { description: string }).description = "changed";
    const after = await render(changed);
    const checksum = (rendered: Rendered) =>
      rendered.get("Deployment", "hub").spec.template.metadata.annotations["checksum/config"];
    assert.notEqual(checksum(after), checksum(prod));
    const same = await render(prodConfig());
    assert.equal(checksum(same), checksum(prod));
    const differing = after.objects.filter(
      (object, index) => JSON.stringify(object) !== JSON.stringify(same.objects[index]),
    );
    assert.deepEqual(
      differing.map((object) => `${object.kind}/${object.metadata.name}`),
      ["ConfigMap/hub", "Deployment/hub"],
    );
  });

  test("the hub settings carry the profiles and the user scheduler's name", () => {
    const settings = JSON.parse(prod.get("ConfigMap", "hub").data["settings.json"]);
    assert.deepEqual(settings, JSON.parse(JSON.stringify(hubSettings(prodConfig()))));
    assert.equal(settings.spawner.scheduler_name, "jupyterhub-user-scheduler");
    assert.ok(
      prod
        .get("ConfigMap", "user-scheduler")
        .data["config.yaml"].includes("schedulerName: jupyterhub-user-scheduler"),
    );
  });

  test("the proxy: CHP with its API for the hub only and a public service, and a disruption budget", () => {
    const [chp] = podSpec(prod.get("Deployment", "proxy")).containers;
    assert.ok(chp.command.includes("--default-target=http://hub:8081"));
    assert.ok(chp.command.includes("--api-port=8001"));
    assert.equal(chp.env[0].valueFrom.secretKeyRef.key, "proxy-auth-token");
    assert.equal(prod.get("PodDisruptionBudget", "proxy").spec.maxUnavailable, 1);
  });

  test("the user scheduler: two replicas, packing (MostAllocated), leader election, built-in roles", () => {
    const scheduler = prod.get("Deployment", "user-scheduler");
    assert.equal(scheduler.spec.replicas, 2);
    const config = prod.get("ConfigMap", "user-scheduler").data["config.yaml"];
    assert.match(config, /type: MostAllocated/);
    assert.match(config, /resourceName: user-scheduler-lock/);
    assert.match(config, /name: nvidia.com\/mig-1g.5gb/);
    const roles = prod
      .all("ClusterRoleBinding")
      .filter((binding) => binding.metadata.labels?.component === "user-scheduler")
      .map((binding) => binding.roleRef.name);
    assert.deepEqual(roles.sort(), ["system:kube-scheduler", "system:volume-scheduler"]);
    assert.equal(prod.get("PodDisruptionBudget", "user-scheduler").spec.maxUnavailable, 1);
  });

  test("the user scheduler runs in its own namespace, with its account, lease and config; the hub still names it", () => {
    const namespace = prod.get("Namespace", "jupyterhub-scheduler");
    assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    for (const kind of [
      "Deployment",
      "ServiceAccount",
      "ConfigMap",
      "Role",
      "RoleBinding",
      "PodDisruptionBudget",
    ]) {
      const name = kind.startsWith("Role") ? "user-scheduler-lock" : "user-scheduler";
      assert.equal(prod.get(kind, name).metadata.namespace, "jupyterhub-scheduler", `${kind}/${name}`);
    }
    assert.equal(podSpec(prod.get("Deployment", "user-scheduler")).serviceAccountName, "user-scheduler");
    assert.match(
      prod.get("ConfigMap", "user-scheduler").data["config.yaml"],
      /resourceName: user-scheduler-lock\n\s+resourceNamespace: jupyterhub-scheduler\n/,
    );
    for (const binding of prod
      .all("ClusterRoleBinding")
      .filter((candidate) => candidate.metadata.labels?.component === "user-scheduler")) {
      assert.deepEqual(binding.subjects, [
        { kind: "ServiceAccount", name: "user-scheduler", namespace: "jupyterhub-scheduler" },
      ]);
    }
    const { spawner } = JSON.parse(prod.get("ConfigMap", "hub").data["settings.json"]);
    assert.equal(spawner.namespace, "jupyterhub");
    assert.equal(spawner.scheduler_name, "jupyterhub-user-scheduler");
  });

  test("a pod the hub creates can use no account with more rights than the hub's own", () => {
    // Pods may use any ServiceAccount of their namespace: the hub's namespace holds only the hub's
    // (and Kubernetes' `default`, which nothing binds).
    const accounts = prod
      .all("ServiceAccount")
      .filter((account) => account.metadata.namespace === "jupyterhub");
    assert.deepEqual(
      accounts.map((account) => account.metadata.name),
      ["hub"],
    );
    const bound = [...prod.all("RoleBinding"), ...prod.all("ClusterRoleBinding")].flatMap((binding) =>
      binding.subjects
        .filter((subject: { namespace?: string }) => subject.namespace === "jupyterhub")
        .map((subject: { name: string }) => `${binding.kind}/${binding.metadata.name} -> ${subject.name}`),
    );
    assert.deepEqual(bound.sort(), [
      "ClusterRoleBinding/jupyterhub-hub-node-reader -> hub",
      "RoleBinding/hub -> hub",
      "RoleBinding/hub-capacity -> hub",
    ]);
  });

  test("the live capacity (hub.capacity) only reads: quotas in the namespace, nodes in the cluster", async () => {
    const rules = [...HUB_CAPACITY_RULES, ...HUB_NODE_READER_RULES];
    assert.deepEqual([...new Set(rules.flatMap((rule) => rule.verbs))].sort(), ["get", "list", "watch"]);
    assert.deepEqual(prod.get("ClusterRole", "jupyterhub-hub-node-reader").rules, HUB_NODE_READER_RULES);
    const off = editableProdConfig();
    (off.hub.capacity as { enabled: boolean }).enabled = false;
    const without = await render(off);
    assert.equal(
      without.all("ClusterRole").filter((role) => role.metadata.name.includes("hub-node")).length,
      0,
    );
    assert.equal(without.all("Role").filter((role) => role.metadata.name === "hub-capacity").length, 0);
  });

  test("the ingress: the host with the wildcard certificate, long timeouts, large uploads", () => {
    const ingress = prod.get("Ingress", "jupyterhub");
    assert.equal(ingress.spec.rules[0].host, "jupyterhub.cps.unileoben.ac.at");
    assert.deepEqual(ingress.spec.tls, [
      { hosts: ["jupyterhub.cps.unileoben.ac.at"], secretName: "wildcard-cps-unileoben-ac-at" },
    ]);
    assert.equal(ingress.spec.ingressClassName, "nginx");
    assert.equal(ingress.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-read-timeout"], "3600");
    assert.equal(ingress.metadata.annotations?.["nginx.ingress.kubernetes.io/proxy-body-size"], "512m");
    assert.equal(ingress.spec.rules[0].http.paths[0].backend.service.name, "proxy-public");
  });

  test("a stack without a certificate gets a self-signed one from @pulumi/tls", async () => {
    const config = editableProdConfig();
    (config.ingress as { tls: unknown }).tls = { mode: "selfSigned" };
    const rendered = await render(config);
    const secret = rendered.get("Secret", "jupyterhub-tls");
    assert.equal(secret.type, "kubernetes.io/tls");
    assert.deepEqual(secret.stringData, { "tls.crt": SECRET_MARKER, "tls.key": SECRET_MARKER });
    assert.equal(rendered.get("Ingress", "jupyterhub").spec.tls[0].secretName, "jupyterhub-tls");
    assert.ok(
      rendered.resources.some((resource) => resource.type === "tls:index/selfSignedCert:SelfSignedCert"),
    );
  });

  test("with the controller's default certificate the Ingress names no Secret, so no key lies in the hub's namespace", async () => {
    const config = editableProdConfig();
    (config.ingress as { tls: unknown }).tls = { mode: "controllerDefault" };
    const rendered = await render(config);
    assert.deepEqual(rendered.get("Ingress", "jupyterhub").spec.tls, [
      { hosts: ["jupyterhub.cps.unileoben.ac.at"] },
    ]);
    assert.deepEqual(
      rendered
        .all("Secret")
        .filter((secret) => secret.metadata.namespace === "jupyterhub")
        .map((secret) => secret.metadata.name)
        .sort(),
      ["hub", "hub-db"],
    );
    assert.ok(!rendered.resources.some((resource) => resource.type.startsWith("tls:")));
  });

  test("the database: PostgreSQL with its own volume, or an external URL from a secret", async () => {
    const db = prod.get("StatefulSet", "hub-db");
    assert.equal(db.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "10Gi");
    const config = editableProdConfig();
    (config as { database: unknown }).database = { type: "external", urlSecretKey: "databaseUrl" };
    const external = await render(config, { databaseUrl: pulumi.secret("postgresql://u:p@db/x") });
    assert.equal(external.all("StatefulSet").length, 0);
    const env = podSpec(external.get("Deployment", "hub")).containers[0].env;
    assert.ok(env.some((e: { name: string }) => e.name === "JUPYTERHUB_DB_URL"));
    assert.ok(!JSON.stringify(external.objects).includes("u:p@db"));
  });

  test("random credentials are generated for the proxy token, cookie secret, crypt key and database", () => {
    const generated = prod.resources
      .filter((resource) => resource.type.startsWith("random:"))
      .map((r) => r.name);
    assert.deepEqual(generated.sort(), [
      "jupyterhub-backup-password",
      "jupyterhub-secrets-cookie-secret",
      "jupyterhub-secrets-crypt-key",
      "jupyterhub-secrets-db-password",
      "jupyterhub-secrets-metrics-token",
      "jupyterhub-secrets-proxy-auth-token",
    ]);
  });
});
