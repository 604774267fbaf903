/**
 * Pod Security: every namespace we create enforces a level, restricted wherever the pods allow it,
 * and every pod the platform renders (and the user pods KubeSpawner makes from the hub settings)
 * passes the level its namespace enforces. The user pods are also checked as KubeSpawner really
 * builds them, in test/hub/test_hub_config.py.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import { prodConfig } from "../helpers";
import { type Level, podSecurityViolations } from "../support/pod-security";
import { podSpec, type Rendered, render } from "./render-helpers";

let prod: Rendered;
before(async () => {
  prod = await render(prodConfig());
});

const ENFORCE = "pod-security.kubernetes.io/enforce";

function enforced(rendered: Rendered): Map<string, Level> {
  return new Map(
    rendered
      .all("Namespace")
      .map((namespace) => [namespace.metadata.name, namespace.metadata.labels?.[ENFORCE] as Level]),
  );
}

describe("Pod Security", () => {
  test("the hub's namespace enforces restricted; baseline and privileged only where a component needs them", () => {
    const levels = Object.fromEntries(
      prod
        .all("Namespace")
        .map((namespace) => [
          namespace.metadata.name,
          [
            namespace.metadata.labels?.[ENFORCE],
            namespace.metadata.labels?.["pod-security.kubernetes.io/warn"],
          ],
        ]),
    );
    assert.deepEqual(levels, {
      jupyterhub: ["restricted", "restricted"],
      "jupyterhub-scheduler": ["restricted", "restricted"],
      "jupyterhub-backup": ["restricted", "restricted"],
      "jupyterhub-monitoring": ["restricted", "restricted"],
      // the provisioner runs as root (runAsUser 0): docs/operations.md, "Pod Security levels"
      "nfs-provisioner": ["baseline", "baseline"],
      // privileged containers, hostPath volumes, hostPID: NVIDIA's documented requirement
      "gpu-operator": ["privileged", "privileged"],
    });
  });

  test("every pod the platform renders passes the level its namespace enforces", () => {
    const levels = enforced(prod);
    const workloads = prod.objects.filter((object) => object.spec?.template?.spec);
    assert.ok(workloads.length >= 6, "hub, proxy, user scheduler, database, provisioner, pre-pullers");
    for (const workload of workloads) {
      const level = levels.get(workload.metadata.namespace ?? "");
      assert.ok(level, `${workload.kind}/${workload.metadata.name} is in a namespace we create`);
      assert.deepEqual(
        podSecurityViolations(workload.spec.template.spec, level),
        [],
        `${workload.kind}/${workload.metadata.name} in ${workload.metadata.namespace} (${level})`,
      );
    }
  });

  test("the NFS provisioner would fail restricted only for its inline NFS volume and for running as root", () => {
    const pod = podSpec(prod.get("Deployment", "nfs-subdir-external-provisioner"));
    assert.deepEqual(podSecurityViolations(pod, "restricted"), [
      'volume "nfs-client-root" of type nfs',
      'container "nfs-client-provisioner": runAsNonRoot != true',
      'container "nfs-client-provisioner": runAsUser=0',
    ]);
  });

  test("a user pod as KubeSpawner assembles it from the hub settings passes restricted, whatever the image", () => {
    const spawner = hubSettings(prodConfig()).spawner;
    // KubeSpawner (objects.py, make_pod): fs_gid and pod_security_context make the pod's context;
    // uid, gid, allow_privilege_escalation and container_security_context the container's.
    const pod = {
      securityContext: { fsGroup: spawner.fs_gid, ...spawner.pod_security_context },
      containers: [
        {
          name: "notebook",
          image: "registry.cps.unileoben.ac.at/runs-as-root:2025-11",
          securityContext: {
            runAsUser: spawner.uid,
            runAsGroup: spawner.gid,
            allowPrivilegeEscalation: spawner.allow_privilege_escalation,
            ...spawner.container_security_context,
          },
        },
        // A container KubeSpawner could add (extra_containers) without a context of its own.
        {
          name: "sidecar",
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      ],
      volumes: spawner.volumes,
    };
    assert.deepEqual(podSecurityViolations(pod, "restricted"), []);
    assert.notEqual(spawner.uid, 0);
  });

  test("the checker refuses what the API server refuses", () => {
    const root = {
      containers: [{ name: "app", securityContext: { runAsUser: 0, allowPrivilegeEscalation: false } }],
      volumes: [{ name: "host", hostPath: { path: "/" } }],
    };
    assert.deepEqual(podSecurityViolations(root, "baseline"), ['hostPath volume "host"']);
    assert.deepEqual(podSecurityViolations(root, "restricted"), [
      'hostPath volume "host"',
      'volume "host" of type hostPath',
      'container "app": runAsNonRoot != true',
      'container "app": runAsUser=0',
      'container "app": seccompProfile.type must be RuntimeDefault or Localhost',
      'container "app": capabilities.drop lacks ALL',
    ]);
    assert.deepEqual(podSecurityViolations(root, "privileged"), []);
  });
});
