/**
 * The pure builders the components assemble, called directly: no mocks, no engine. References to
 * other objects (service accounts, ConfigMaps, Secrets) are plain names here; the components pass
 * the objects' outputs.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gpuOperatorConfigMaps } from "../../components/cluster/gpu-operator-spec";
import { prePullPlan } from "../../components/cluster/image-prepull-plan";
import { prePullerDaemonSet } from "../../components/cluster/image-prepuller-spec";
import {
  NFS_PROVISIONER_CLUSTER_RULES,
  NFS_PROVISIONER_LEADER_RULES,
  nfsProvisionerDeployment,
  nfsProvisionerGrants,
} from "../../components/cluster/nfs-storage-spec";
import { databaseStatefulSet, PASSWORD_FOLLOWS_SECRET } from "../../components/jupyterhub/database-spec";
import { mountedHubFiles } from "../../components/jupyterhub/hub-files";
import { HUB_RBAC_RULES, hubDeployment, hubGrant } from "../../components/jupyterhub/hub-spec";
import { proxyDeployment, proxyPublicService } from "../../components/jupyterhub/proxy-spec";
import {
  USER_SCHEDULER_LEASE_RULES,
  userSchedulerDeployment,
  userSchedulerGrants,
} from "../../components/jupyterhub/user-scheduler-spec";
import { roleBinding } from "../../components/rbac";
import { mountedVolume } from "../../components/volumes";
import { editableProdConfig, prodConfig } from "../helpers";

const config = prodConfig();
const NAMESPACE = "jupyterhub";
const FILES = mountedHubFiles([
  { path: "jupyterhub_config.py", content: "c = get_config()\n" },
  { path: "templates/form.html", content: "<form></form>\n" },
  { path: "requirements.txt", content: "jupyterhub\n" },
]);
const HUB_REFS = {
  serviceAccountName: "hub",
  configMapName: "hub",
  hubSecretName: "hub",
  databaseSecretName: "hub-db",
  secretChecksum: "abc",
};

// biome-ignore lint/suspicious/noExplicitAny: workload specs are read by path, as in the render tests.
type Workload = { metadata: { name: string }; spec: any };

function podWorkloads(): Workload[] {
  if (config.database.type !== "postgres") throw new Error("prod runs PostgreSQL in the cluster");
  const [target] = prePullPlan(config);
  assert.ok(target);
  return [
    hubDeployment(NAMESPACE, config.hub, "{}", FILES, HUB_REFS),
    proxyDeployment(NAMESPACE, config.proxy, "hub"),
    userSchedulerDeployment(NAMESPACE, config.userScheduler, "kind: X\n", {
      serviceAccountName: "user-scheduler",
      configMapName: "user-scheduler",
    }),
    databaseStatefulSet(NAMESPACE, config.database, { serviceName: "hub-db", databaseSecretName: "hub-db" }),
    nfsProvisionerDeployment("nfs-provisioner", config, "nfs-subdir-external-provisioner"),
    prePullerDaemonSet(NAMESPACE, target, config.prePull.pauseImage),
  ];
}

describe("volumes and their mounts", () => {
  test("a mount is made with its volume and carries the volume's name", () => {
    assert.deepEqual(mountedVolume("scratch", { emptyDir: {} }, { mountPath: "/scratch", readOnly: true }), {
      volume: { name: "scratch", emptyDir: {} },
      mount: { name: "scratch", mountPath: "/scratch", readOnly: true },
    });
  });

  test("every mount of every platform pod names a volume of that pod or a claim template, and every volume is mounted", () => {
    for (const workload of podWorkloads()) {
      const pod = workload.spec.template.spec;
      const containers = [...(pod.initContainers ?? []), ...pod.containers];
      const mounted = new Set(
        containers.flatMap((c) => (c.volumeMounts ?? []).map((m: { name: string }) => m.name)),
      );
      const volumes = [
        ...(pod.volumes ?? []).map((v: { name: string }) => v.name),
        ...(workload.spec.volumeClaimTemplates ?? []).map(
          (t: { metadata: { name: string } }) => t.metadata.name,
        ),
      ];
      assert.deepEqual([...mounted].sort(), [...new Set(volumes)].sort(), workload.metadata.name);
    }
  });

  test("the users' pods get home, datasets and scratch, each mount beside its volume", async () => {
    const { hubSettings } = await import("../../components/jupyterhub/hub-settings");
    const { volumes, volume_mounts: mounts } = hubSettings(config).spawner;
    assert.deepEqual(
      volumes.map((volume) => volume.name),
      mounts.map((mount) => mount.name),
    );
    assert.deepEqual(
      mounts.map((mount) => mount.name),
      ["home", "datasets", "scratch"],
    );
  });
});

describe("RBAC", () => {
  test("a binding names the role and the service account it was made with", () => {
    assert.deepEqual(
      roleBinding(hubGrant("jupyterhub-hub", NAMESPACE), "hub", { name: "hub", namespace: NAMESPACE }),
      {
        metadata: hubGrant("jupyterhub-hub", NAMESPACE).metadata,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "hub" },
        subjects: [{ kind: "ServiceAccount", name: "hub", namespace: NAMESPACE }],
      },
    );
  });

  test("the hub gets one Role with KubeSpawner's rules, under the resource names it always had", () => {
    const grant = hubGrant("jupyterhub-hub", NAMESPACE);
    assert.equal(grant.kind, "Role");
    assert.deepEqual(grant.rules, HUB_RBAC_RULES);
    assert.deepEqual(grant.resourceNames, {
      role: "jupyterhub-hub-role",
      binding: "jupyterhub-hub-rolebinding",
    });
  });

  test("the user scheduler is bound to the cluster's built-in scheduler roles and may update only its own lease", () => {
    const grants = userSchedulerGrants("jupyterhub-user-scheduler", NAMESPACE, "jupyterhub");
    assert.deepEqual(
      grants.map((grant) => ("existingRole" in grant ? grant.existingRole : grant.metadata.name)),
      ["system:kube-scheduler", "system:volume-scheduler", "user-scheduler-lock"],
    );
    assert.deepEqual(
      grants.map((grant) => grant.metadata.name),
      [
        "jupyterhub-user-scheduler-kube-scheduler",
        "jupyterhub-user-scheduler-volume-scheduler",
        "user-scheduler-lock",
      ],
    );
    const updates = USER_SCHEDULER_LEASE_RULES.filter((rule) => rule.verbs.includes("update"));
    assert.deepEqual(
      updates.map((rule) => rule.resourceNames),
      [["user-scheduler-lock"]],
    );
  });

  test("the NFS provisioner gets upstream's ClusterRole and a Role for leader election", () => {
    const [runner, leader] = nfsProvisionerGrants("jupyterhub-storage", "nfs-provisioner");
    assert.ok(runner && "rules" in runner && leader && "rules" in leader);
    assert.equal(runner.kind, "ClusterRole");
    assert.equal(runner.metadata.namespace, undefined, "cluster-scoped");
    assert.deepEqual(runner.rules, NFS_PROVISIONER_CLUSTER_RULES);
    assert.equal(leader.kind, "Role");
    assert.equal(leader.metadata.namespace, "nfs-provisioner");
    assert.deepEqual(leader.rules, NFS_PROVISIONER_LEADER_RULES);
  });
});

describe("pod builders", () => {
  test("the hub reads the database password from Secret hub-db, or the URL from Secret hub without one", () => {
    const envNames = (
      refs: Omit<typeof HUB_REFS, "databaseSecretName"> & { databaseSecretName?: string },
    ): string[] => {
      const hub: Workload = hubDeployment(NAMESPACE, config.hub, "{}", FILES, refs);
      return hub.spec.template.spec.containers[0].env.map(
        (env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }) => {
          const ref = env.valueFrom?.secretKeyRef;
          return ref ? `${env.name}=${ref.name}/${ref.key}` : env.name;
        },
      );
    };
    assert.ok(envNames(HUB_REFS).includes("JUPYTERHUB_DB_PASSWORD=hub-db/password"));
    const { databaseSecretName: _, ...external } = HUB_REFS;
    assert.ok(envNames(external).includes("JUPYTERHUB_DB_URL=hub/database-url"));
    assert.ok(!envNames(external).some((name) => name.startsWith("JUPYTERHUB_DB_PASSWORD")));
  });

  test("the hub mounts every file but those it does not need, and a changed file rolls it", () => {
    const hub = hubDeployment(NAMESPACE, config.hub, "{}", FILES, HUB_REFS);
    assert.deepEqual(
      hub.spec.template.spec.volumes[0]?.configMap.items.map((item: { path: string }) => item.path),
      ["settings.json", "jupyterhub_config.py", "templates/form.html"],
    );
    const changed = mountedHubFiles([
      { path: "jupyterhub_config.py", content: "c = get_config()  # changed\n" },
    ]);
    const annotation = (files: typeof FILES) =>
      hubDeployment(NAMESPACE, config.hub, "{}", files, HUB_REFS).spec.template.metadata.annotations[
        "checksum/config"
      ];
    assert.notEqual(annotation(changed), annotation(FILES.slice(0, 1)));
  });

  test("proxy-public gets the load balancer's address only as a LoadBalancer", () => {
    const edited = editableProdConfig();
    const ingress = { ...edited.ingress, loadBalancerIP: "10.0.0.9" };
    assert.equal(
      proxyPublicService(NAMESPACE, { ...ingress, publicServiceType: "ClusterIP" }).spec.loadBalancerIP,
      undefined,
    );
    assert.equal(
      proxyPublicService(NAMESPACE, { ...ingress, publicServiceType: "LoadBalancer" }).spec.loadBalancerIP,
      "10.0.0.9",
    );
  });

  test("the proxy sends users to the hub's Service and takes its API token from Secret hub", () => {
    const [chp] = proxyDeployment(NAMESPACE, config.proxy, "hub").spec.template.spec.containers;
    assert.ok(chp?.command.includes("--default-target=http://hub:8081"));
    assert.deepEqual(chp?.env, [
      {
        name: "CONFIGPROXY_AUTH_TOKEN",
        valueFrom: { secretKeyRef: { name: "hub", key: "proxy-auth-token" } },
      },
    ]);
  });

  test("PostgreSQL: the init container sets the Secret's password on existing data before the server starts", () => {
    if (config.database.type !== "postgres") throw new Error("prod runs PostgreSQL in the cluster");
    const statefulSet = databaseStatefulSet(NAMESPACE, config.database, {
      serviceName: "hub-db",
      databaseSecretName: "hub-db",
    });
    const [init] = statefulSet.spec.template.spec.initContainers;
    assert.deepEqual(init?.command, ["sh", "-c", PASSWORD_FOLLOWS_SECRET]);
    assert.match(
      PASSWORD_FOLLOWS_SECRET,
      /ALTER ROLE jupyterhub PASSWORD .* postgres --single -D "\$PGDATA" jupyterhub/,
    );
    assert.deepEqual(statefulSet.spec.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
    assert.equal(statefulSet.spec.volumeClaimTemplates[0]?.metadata.name, "data");
  });

  test("the NFS provisioner is told about the export it mounts", () => {
    const pod = nfsProvisionerDeployment("nfs-provisioner", config, "sa").spec.template.spec;
    const env = Object.fromEntries(
      pod.containers[0]?.env.map((e: { name: string; value: string }) => [e.name, e.value]) ?? [],
    );
    assert.deepEqual(pod.volumes[0]?.nfs, { server: env.NFS_SERVER, path: env.NFS_PATH });
  });

  test("a pre-puller runs only where its image's profiles may run; a CPU image everywhere", () => {
    const plan = prePullPlan(config);
    for (const target of plan) {
      const affinity = prePullerDaemonSet(NAMESPACE, target, config.prePull.pauseImage).spec.template.spec
        .affinity;
      if (target.affinity.length === 0) assert.equal(affinity, undefined, target.image);
      else
        assert.equal(
          affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.length,
          target.affinity.length,
        );
    }
    assert.ok(
      plan.some((target) => target.affinity.length === 0) &&
        plan.some((target) => target.affinity.length > 0),
    );
  });

  test("the GPU Operator gets the device plugin's ConfigMap only when a node shares its GPUs", () => {
    assert.deepEqual(
      gpuOperatorConfigMaps("gpu-operator", config).map((configMap) => configMap.args.metadata.name),
      ["cps-mig-parted-config"],
    );
    const shared = editableProdConfig();
    const node = shared.nodes.find((candidate) => candidate.gpu && !candidate.mig);
    assert.ok(node?.gpu);
    (node.gpu as { timeSlicing?: { replicas: number } }).timeSlicing = { replicas: 4 };
    assert.deepEqual(
      gpuOperatorConfigMaps("gpu-operator", shared).map((configMap) => configMap.args.metadata.name),
      ["cps-mig-parted-config", "cps-device-plugin-config"],
    );
  });
});
