/**
 * The notebook runner (sim/notebook-runner.ts) on a simulated cluster: a real jupyterhub-singleuser
 * behind a user pod shaped as KubeSpawner makes it (the hub's env, the home claim at /home/jovyan),
 * on the pod's loopback IP and port, with the claim's volume folder as its home and root; a file
 * written through the server's contents API lands in that folder; a server that dies starts again
 * (restartPolicy OnFailure); the server stops when the pod is deleted, and with the runner. The hub is a stand-in answering the calls jupyterhub-singleuser makes
 * (test/support/hub-api-stand-in.ts); no stack is deployed, only a StorageClass of the stack's NFS
 * provisioner, which the sim's stand-in provisioner serves.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { NFS_PROVISIONER_NAME } from "../../components/names";
import { clusterDir, type SimCluster, startCluster, stopCluster } from "../../sim/cluster";
import { type NotebookRunner, startNotebookRunner } from "../../sim/notebook-runner";
import { readPodNetwork } from "../../sim/pod-network";
import { localVolumeDir, type Volume } from "../../sim/provision";
import { simConfig } from "../../sim/stack";
import { waitFor } from "../../sim/wait";
import { type HubApiStandIn, startHubApiStandIn } from "../support/hub-api-stand-in";
import { SETUP_TIMEOUT } from "./support";

const NAME = "e2e-notebooks";
const NAMESPACE = "users";
const STORAGE_CLASS = "home-nfs";
const log = (line: string) => process.stderr.write(`# [sim] ${line}\n`);

let cluster: SimCluster | undefined;
let hub: HubApiStandIn | undefined;
let runner: NotebookRunner | undefined;
const up = () => {
  assert.ok(cluster && hub && runner, "the cluster, the hub stand-in or the runner did not start");
  return { cluster, hub, runner };
};

/** The claim and pod KubeSpawner 7 makes for `user` under JupyterHub 5.5 (env as get_env sets it). */
function userObjects(user: string, apiToken: string, apiUrl: string) {
  const prefix = `/user/${user}/`;
  const env: Record<string, string> = {
    JUPYTERHUB_API_TOKEN: apiToken,
    JPY_API_TOKEN: apiToken,
    JUPYTERHUB_API_URL: apiUrl,
    JUPYTERHUB_ACTIVITY_URL: `${apiUrl}/users/${user}/activity`,
    JUPYTERHUB_BASE_URL: "/",
    JUPYTERHUB_CLIENT_ID: `jupyterhub-user-${user}`,
    JUPYTERHUB_DEFAULT_URL: "/lab",
    JUPYTERHUB_HOST: "",
    JUPYTERHUB_OAUTH_ACCESS_SCOPES: JSON.stringify([`access:servers!server=${user}/`]),
    JUPYTERHUB_OAUTH_CALLBACK_URL: `${prefix}oauth_callback`,
    JUPYTERHUB_OAUTH_SCOPES: JSON.stringify([`access:servers!server=${user}/`]),
    JUPYTERHUB_SERVER_NAME: "",
    JUPYTERHUB_SERVICE_PREFIX: prefix,
    JUPYTERHUB_SERVICE_URL: `http://0.0.0.0:8888${prefix}`,
    JUPYTERHUB_USER: user,
    JUPYTER_IMAGE: "quay.io/jupyter/datascience-notebook:2025-11-06",
    MEM_GUARANTEE: "2147483648",
  };
  const labels = { component: "singleuser-server", "hub.jupyter.org/username": user };
  const claim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: `claim-${user}`, labels: { ...labels, component: "singleuser-storage" } },
    spec: {
      accessModes: ["ReadWriteMany"],
      resources: { requests: { storage: "1Gi" } },
      storageClassName: STORAGE_CLASS,
    },
  };
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `jupyter-${user}`, labels },
    spec: {
      restartPolicy: "OnFailure",
      automountServiceAccountToken: false,
      containers: [
        {
          name: "notebook",
          image: env.JUPYTER_IMAGE,
          ports: [{ name: "notebook-port", containerPort: 8888 }],
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          resources: { requests: { cpu: "100m", memory: "256Mi" } },
          volumeMounts: [{ name: "home", mountPath: "/home/jovyan" }],
        },
      ],
      volumes: [{ name: "home", persistentVolumeClaim: { claimName: `claim-${user}` } }],
    },
  };
  return { claim, pod };
}

interface Pod {
  metadata: { uid: string };
  status?: { phase?: string; podIP?: string };
}

function request(url: string, method = "GET", token?: string, body?: unknown) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        timeout: 10_000,
        headers: {
          ...(token ? { authorization: `token ${token}` } : {}),
          ...(text ? { "content-type": "application/json", "content-length": Buffer.byteLength(text) } : {}),
        },
      },
      (response) => {
        let data = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          data += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: data }));
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end(text);
  });
}

const base = `/api/v1/namespaces/${NAMESPACE}`;

/** Creates the user's claim and pod, waits for it to run, and for its server to answer. */
async function startUser(user: string) {
  const { cluster, hub, runner } = up();
  const { claim, pod } = userObjects(user, hub.tokenFor(`server-${user}`), hub.apiUrl);
  await cluster.client.create(`${base}/persistentvolumeclaims`, claim);
  const volumeName = await waitFor(
    `claim-${user} Bound`,
    async () => {
      const found = await cluster.client.get<{ spec: { volumeName?: string }; status?: { phase?: string } }>(
        `${base}/persistentvolumeclaims/claim-${user}`,
      );
      return found.status?.phase === "Bound" && found.spec.volumeName;
    },
    { timeoutMs: 30_000 },
  );
  const pv = await cluster.client.get<Volume>(`/api/v1/persistentvolumes/${volumeName}`);
  const folder = localVolumeDir(path.join(cluster.dir, "volumes"), pv);
  assert.ok(folder);
  await cluster.client.create(`${base}/pods`, pod);
  const running = await waitFor(
    `jupyter-${user} Running with an IP`,
    async () => {
      const found = await cluster.client.get<Pod>(`${base}/pods/jupyter-${user}`);
      return found.status?.phase === "Running" && found.status.podIP ? found : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const ip = running.status?.podIP as string;
  const url = `http://${ip}:8888/user/${user}/`;
  const server = await waitFor(
    `the server of jupyter-${user} to answer`,
    () => runner.servers().find((s) => s.uid === running.metadata.uid && s.answeredSeconds !== undefined),
    { timeoutMs: 60_000 },
  );
  return { uid: running.metadata.uid, ip, url, folder, server };
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

before(
  async () => {
    const config = simConfig("prod");
    cluster = await startCluster({ name: NAME, config, nodes: config.nodes.slice(0, 1), log });
    await cluster.client.create("/api/v1/namespaces", { metadata: { name: NAMESPACE } });
    await cluster.client.create("/apis/storage.k8s.io/v1/storageclasses", {
      metadata: { name: STORAGE_CLASS },
      provisioner: NFS_PROVISIONER_NAME,
      reclaimPolicy: "Retain",
      volumeBindingMode: "Immediate",
    });
    await waitFor(
      "the namespace's default ServiceAccount",
      () => cluster?.client.find(`${base}/serviceaccounts/default`),
      { timeoutMs: 30_000 },
    );
    hub = await startHubApiStandIn();
    runner = await startNotebookRunner(cluster, { namespace: NAMESPACE, log });
  },
  { timeout: SETUP_TIMEOUT },
);

after(async () => {
  await runner?.stop();
  await hub?.close();
  cluster?.client.close();
  await stopCluster(NAME, log);
  rmSync(path.join(clusterDir(NAME), "etcd"), { recursive: true, force: true });
});

describe("a real notebook server behind each user pod", { timeout: 5 * 60_000 }, () => {
  let student: Awaited<ReturnType<typeof startUser>> | undefined;

  test("the pod's IP is a loopback address of the cluster's own pod network, and its server answers there", async (t) => {
    student = await startUser("student");
    const network = readPodNetwork(up().cluster.dir);
    assert.ok(network && network.octet > 0);
    assert.match(student.ip, new RegExp(`^127\\.${network.octet}\\.\\d+\\.\\d+$`));
    const answer = await request(`${student.url}api`);
    assert.equal(answer.status, 200);
    assert.ok("version" in JSON.parse(answer.body), answer.body);
    t.diagnostic(
      `first answer after ${student.server.answeredSeconds?.toFixed(1)} s, RSS ${student.server.rssMiB} MiB`,
    );
  });

  test("its home is the claim's volume folder: cwd, HOME, and a file written through the contents API", async () => {
    assert.ok(student, "the first test started the student");
    const { pid } = student.server;
    assert.equal(readlinkSync(`/proc/${pid}/cwd`), student.folder);
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    assert.ok(environ.includes(`HOME=${student.folder}`));
    assert.ok(environ.includes("JUPYTERHUB_USER=student"));
    assert.ok(environ.includes(`JUPYTERHUB_SERVICE_URL=${student.url}`));
    const token = up().hub.tokenFor("student");
    const written = await request(`${student.url}api/contents/hello.txt`, "PUT", token, {
      type: "file",
      format: "text",
      content: "written through jupyter-server",
    });
    assert.equal(written.status, 201, written.body);
    assert.equal(
      readFileSync(path.join(student.folder, "hello.txt"), "utf8"),
      "written through jupyter-server",
    );
    const refused = await request(`${student.url}api/contents/hello.txt`, "GET", up().hub.tokenFor("other"));
    assert.equal(refused.status, 403, "another user's token is refused");
  });

  test("a server that ends by itself starts again, as the kubelet restarts a container (OnFailure)", async () => {
    assert.ok(student, "the first test started the student");
    const { runner } = up();
    const before = student.server;
    process.kill(-before.pid, "SIGKILL"); // its process group: the server and what it started
    const again = await waitFor(
      "the server of jupyter-student to answer again",
      () => runner.servers().find((s) => s.uid === before.uid && s.pid !== before.pid && s.answeredSeconds),
      { timeoutMs: 90_000 }, // the kubelet's first back-off is 10 s
    );
    assert.equal((await request(`${student.url}api`)).status, 200);
    assert.equal(runner.servers().filter((s) => s.uid === before.uid).length, 1);
    student = { ...student, server: again };
  });

  test("a change to the pod does not start a second server; deleting the pod stops it", async () => {
    assert.ok(student, "the first test started the student");
    const { cluster, runner } = up();
    await cluster.client.mergePatch(`${base}/pods/jupyter-student`, {
      metadata: { labels: { touched: "yes" } },
    });
    await cluster.client.mergePatch(`${base}/pods/jupyter-student`, {
      metadata: { labels: { touched: "again" } },
    });
    const servers = runner.servers().filter((s) => s.uid === student?.uid);
    assert.equal(servers.length, 1);
    assert.equal(servers[0]?.pid, student.server.pid);
    await cluster.client.call("DELETE", `${base}/pods/jupyter-student`, { gracePeriodSeconds: 1 });
    const pid = student.server.pid;
    await waitFor("the server to stop", () => !alive(pid) && runner.servers().length === 0, {
      timeoutMs: 30_000,
    });
    await assert.rejects(request(`${student.url}api`), "nothing listens on the pod's address any more");
    assert.ok(existsSync(path.join(student.folder, "hello.txt")), "the home volume keeps the file");
  });

  test("stopping the runner stops the servers it started", async () => {
    const { runner } = up();
    const teacher = await startUser("teacher");
    await runner.stop();
    assert.ok(!alive(teacher.server.pid), "the server stopped with its runner");
  });
});
