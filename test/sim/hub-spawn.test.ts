/**
 * Issue 6 end to end: the REAL JupyterHub (test/hub/serve_hub_on_sim.py: our jupyterhub_config.py
 * with the prod settings, Authentik's stand-in) spawning into the simulated cluster with the prod
 * stack deployed. KubeSpawner runs outside a pod, so it loads KUBECONFIG: a kubeconfig of the hub's
 * own ServiceAccount (a TokenRequest token), so the rendered RBAC is what lets it work.
 *
 * - `hpc` asks for gpu-pytorch-single through the REST API: KubeSpawner creates `claim-hpc` and
 *   `jupyter-hpc` as the profile says, and the user scheduler binds the pod to a full-GPU node.
 *   The spawn never completes (kwok pods serve no HTTP); the test does not wait for it.
 * - `student` makes the same request by hand: refused with 403 before KubeSpawner creates anything.
 *
 * The hub's log is kept as .work/sim/e2e-hub-spawn/logs/hub.log.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fullGpuAffinity } from "../../components/jupyterhub/placement";
import { NAMES } from "../../components/names";
import { migLayoutName } from "../../config/derived";
import { parseQuantity } from "../../config/quantity";
import { HttpSession } from "../../sim/http-session";
import { requestServer } from "../../sim/hub-user";
import { KubeError } from "../../sim/kube-client";
import { writeServiceAccountKubeconfig } from "../../sim/service-account";
import { sleep, waitFor } from "../../sim/wait";
import { type RealHub, startRealHub } from "../support/real-hub";
import { SETUP_TIMEOUT, type SimulatedStack, simulatedStack, tearDown } from "./support";

const NAME = "e2e-hub-spawn";
const PROFILE = "gpu-pytorch-single";

/** test/hub/serve_hub_on_sim.py: the same hub as serve_hub.py, with KubeSpawner pointed at `kubeconfig`. */
async function startHub(kubeconfig: string): Promise<RealHub> {
  return startRealHub(path.join("test", "hub", "serve_hub_on_sim.py"), [kubeconfig]);
}

/** Authentik's stand-in signs in with a form post to /hub/login (as test_real_hub.py's login()). */
async function signIn(name: string): Promise<HttpSession> {
  const { url } = running();
  const session = new HttpSession();
  await session.request("GET", `${url}/hub/login`); // sets the _xsrf cookie
  const xsrf = session.cookies.get(new URL(`${url}/hub/login`), "_xsrf");
  assert.ok(xsrf, "the login page set no _xsrf cookie");
  const response = await session.request("POST", `${url}/hub/login`, {
    form: { username: name, password: "any", _xsrf: xsrf },
  });
  assert.equal(response.status, 302, `${name} could not sign in: ${response.body}`);
  return session;
}

interface Pod {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    nodeName?: string;
    schedulerName?: string;
    runtimeClassName?: string;
    containers: {
      name: string;
      resources: { limits?: Record<string, string>; requests?: Record<string, string> };
    }[];
    volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
    affinity?: {
      nodeAffinity?: {
        requiredDuringSchedulingIgnoredDuringExecution?: {
          nodeSelectorTerms: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
        };
      };
    };
  };
}

interface Claim {
  status?: { phase?: string };
}

let sim: SimulatedStack | undefined;
let hub: RealHub | undefined;
const stack = () => sim as SimulatedStack;
const running = () => hub as RealHub;
const namespace = () => stack().config.cluster.namespace;

/** The object, or undefined while the API server answers 404. */
async function find<T>(resource: "pods" | "persistentvolumeclaims", name: string): Promise<T | undefined> {
  try {
    return await stack().cluster.client.get<T>(`/api/v1/namespaces/${namespace()}/${resource}/${name}`);
  } catch (error) {
    if (error instanceof KubeError && error.status === 404) return undefined;
    throw error;
  }
}

const hubLog = () => (hub && existsSync(hub.log) ? readFileSync(hub.log, "utf8") : "");

before(
  async () => {
    sim = await simulatedStack(NAME);
    const kubeconfig = await writeServiceAccountKubeconfig(
      sim.cluster,
      sim.config.cluster.namespace,
      NAMES.hubServiceAccount,
      path.join(sim.cluster.dir, "hub-kubeconfig"),
    );
    hub = await startHub(kubeconfig);
  },
  { timeout: SETUP_TIMEOUT },
);

after(async () => {
  const log = hubLog();
  if (log && sim) writeFileSync(path.join(sim.cluster.dir, "logs", "hub.log"), log);
  await hub?.stop();
  await tearDown(sim, NAME);
});

describe("the real hub spawns into the simulated cluster", () => {
  test("hpc's gpu-pytorch-single request becomes KubeSpawner's claim and pod, placed on a full-GPU node", async (t) => {
    const { config, deploy } = stack();
    const hpc = await signIn("hpc");
    const started = Date.now();
    // The hub answers 202 once the spawn is slower than slow_spawn_timeout (10 s): read it later.
    const answer = requestServer(hpc, running().url, "hpc", PROFILE);
    answer.catch(() => undefined); // awaited below; no unhandled rejection meanwhile

    const pod = await waitFor("pod jupyter-hpc", () => find<Pod>("pods", "jupyter-hpc"), {
      timeoutMs: 30_000,
      intervalMs: 200,
    }).catch((error: Error) => assert.fail(`${error.message}\nhub log:\n${hubLog()}`));
    t.diagnostic(`pod jupyter-hpc created ${((Date.now() - started) / 1000).toFixed(1)} s after the request`);

    const container = pod.spec.containers.find((c) => c.name === "notebook") ?? pod.spec.containers[0];
    assert.ok(container, "the pod has no container");
    const { limits = {}, requests = {} } = container.resources;
    // What the profile says, whatever its figures are today (KubeSpawner writes its own units: 8 for
    // "8", bytes for "32Gi"; compared as quantities).
    const profile = config.profiles.find((candidate) => candidate.slug === PROFILE);
    assert.ok(profile?.gpu?.count, `${PROFILE} is a full-GPU profile`);
    assert.equal(limits["nvidia.com/gpu"], String(profile.gpu.count));
    assert.equal(requests["nvidia.com/gpu"], String(profile.gpu.count));
    const quantities = (resources: Record<string, string>) => ({
      cpu: parseQuantity(resources.cpu ?? ""),
      memory: parseQuantity(resources.memory ?? ""),
    });
    assert.deepEqual(quantities(requests), {
      cpu: parseQuantity(profile.cpu.guarantee),
      memory: parseQuantity(profile.memory.guarantee),
    });
    assert.deepEqual(quantities(limits), {
      cpu: parseQuantity(profile.cpu.limit),
      memory: parseQuantity(profile.memory.limit),
    });
    assert.equal(pod.spec.runtimeClassName, config.gpuOperator.runtimeClassName);
    assert.equal(pod.spec.schedulerName, config.userScheduler.schedulerName);
    assert.equal(pod.metadata.labels?.component, "singleuser-server");
    assert.equal(pod.metadata.labels?.["hub.jupyter.org/username"], "hpc");

    // Full GPUs: a GPU node not in MIG mode, named by no layout (placement.ts).
    const terms =
      pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ??
      [];
    assert.deepEqual(terms, fullGpuAffinity());

    const home = pod.spec.volumes?.find((volume) => volume.persistentVolumeClaim?.claimName === "claim-hpc");
    assert.ok(home, `no volume from claim-hpc: ${JSON.stringify(pod.spec.volumes)}`);
    const claim = await waitFor(
      "claim-hpc Bound",
      async () => {
        const found = await find<Claim>("persistentvolumeclaims", "claim-hpc");
        return found?.status?.phase === "Bound" && found;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    assert.equal(claim.status?.phase, "Bound");

    // The user scheduler runs as a process in the sim: the pod lands on a full-GPU node, not the MIG node.
    assert.ok(deploy.userScheduler, "the sim started the user scheduler");
    const node = await waitFor(
      "jupyter-hpc scheduled",
      async () => (await find<Pod>("pods", "jupyter-hpc"))?.spec.nodeName,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const fullGpuNodes = config.nodes
      .filter((n) => n.gpu !== undefined && migLayoutName(n) === undefined)
      .map((n) => n.name);
    assert.ok(
      fullGpuNodes.includes(node),
      `${node} is not one of the full-GPU nodes ${fullGpuNodes.join(", ")}`,
    );
    t.diagnostic(`jupyter-hpc bound to ${node} by the user scheduler`);

    const response = await answer;
    t.diagnostic(`POST /hub/api/users/hpc/server answered ${response.status} ${response.body}`);
    assert.ok([201, 202].includes(response.status), `the spawn request failed: ${response.status}`);
    assert.doesNotMatch(
      hubLog(),
      /is forbidden: User "system:serviceaccount:/,
      "an RBAC refusal in the hub log",
    );
  });

  test("stopping hpc's server: KubeSpawner deletes the pod and keeps the claim", async (t) => {
    const hpc = await signIn("hpc");
    const response = await hpc.api("DELETE", `${running().url}/hub/api/users/hpc/server`);
    // 204 stopped, 202 stop still pending (also when it interrupts a spawn still waiting for HTTP)
    assert.ok([202, 204].includes(response.status), `DELETE answered ${response.status}: ${response.body}`);
    await waitFor("pod jupyter-hpc deleted", async () => (await find("pods", "jupyter-hpc")) === undefined, {
      timeoutMs: 30_000,
      intervalMs: 200,
    }).catch((error: Error) => assert.fail(`${error.message}\nhub log:\n${hubLog()}`));
    assert.ok(await find("persistentvolumeclaims", "claim-hpc"), "claim-hpc is kept for the next start");
    t.diagnostic(`DELETE /hub/api/users/hpc/server answered ${response.status}; pod gone, claim kept`);
  });

  test("student's hand-made gpu-pytorch-single request is refused and no pod appears", async () => {
    const student = await signIn("student");
    const response = await requestServer(student, running().url, "student", PROFILE);
    const body = JSON.parse(response.body) as { status: number; message: string };
    assert.equal(response.status, 403, JSON.stringify(body));
    assert.match(body.message, new RegExp(`Profile '${PROFILE}' is not available to student`));

    const end = Date.now() + 4_000;
    while (Date.now() < end) {
      assert.equal(await find("pods", "jupyter-student"), undefined, "a pod jupyter-student appeared");
      assert.equal(
        await find("persistentvolumeclaims", "claim-student"),
        undefined,
        "a claim-student appeared",
      );
      await sleep(250);
    }
    assert.doesNotMatch(
      hubLog(),
      /Calling Spawner.start for student\b/,
      "KubeSpawner was started for student",
    );
  });
});
