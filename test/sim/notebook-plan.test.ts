/**
 * No cluster: how a user pod's notebook container becomes a local process (sim/notebook-plan.ts),
 * and how clusters pick their loopback pod networks (sim/pod-network.ts).
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { mapPath, mapValue, type NotebookPod, serverPlan } from "../../sim/notebook-plan";
import { StartSlots } from "../../sim/notebook-process";
import { POD_NETWORK_FILE, readPodNetwork, reservePodNetwork } from "../../sim/pod-network";

const mounts = [
  { mountPath: "/home/jovyan", dir: "/vol/home" },
  { mountPath: "/home/jovyan/scratch", dir: "/vol/scratch" },
];

function pod(
  container: Partial<NotebookPod["spec"]["containers"][number]> = {},
  ip = "127.3.0.7",
): NotebookPod {
  return {
    metadata: { name: "jupyter-alice", namespace: "hub", uid: "u-1" },
    spec: {
      containers: [
        { name: "notebook", ports: [{ name: "notebook-port", containerPort: 8888 }], ...container },
      ],
    },
    status: { phase: "Running", podIP: ip },
  };
}

const env = {
  JUPYTERHUB_SERVICE_PREFIX: "/user/alice/",
  JUPYTERHUB_SERVICE_URL: "http://0.0.0.0:8888/user/alice/",
  JUPYTERHUB_USER: "alice",
};
const options = { venv: "/venv", env, mounts, rootfs: "/pod/rootfs" };

describe("a notebook container as a local process", () => {
  test("container paths map to the mounts' folders (longest mount first), or else to the pod's rootfs", () => {
    assert.equal(mapPath("/home/jovyan", mounts, "/r"), "/vol/home");
    assert.equal(mapPath("/home/jovyan/work/a.ipynb", mounts, "/r"), "/vol/home/work/a.ipynb");
    assert.equal(mapPath("/home/jovyan/scratch/x", mounts, "/r"), "/vol/scratch/x");
    assert.equal(mapPath("/home/jovyanother", mounts, "/r"), "/r/home/jovyanother");
    assert.equal(mapValue("--notebook-dir=/home/jovyan/work", mounts), "--notebook-dir=/vol/home/work");
    assert.equal(mapValue("/user/alice/", mounts), "/user/alice/", "a URL prefix is not a path");
  });

  test("the image's default command is jupyterhub-singleuser on the pod's IP, home and cwd in the home volume", () => {
    const plan = serverPlan(pod(), options);
    assert.equal(plan.command, "/venv/bin/jupyterhub-singleuser");
    assert.deepEqual(plan.args, []);
    assert.equal(plan.ip, "127.3.0.7");
    assert.equal(plan.port, 8888);
    assert.equal(plan.cwd, "/vol/home");
    assert.equal(plan.env.HOME, "/vol/home");
    assert.equal(plan.env.JUPYTERHUB_SERVICE_URL, "http://127.3.0.7:8888/user/alice/");
    assert.equal(plan.env.JUPYTERHUB_SERVICE_PREFIX, "/user/alice/");
    assert.equal(plan.prefix, "/user/alice/");
    assert.match(plan.env.PATH ?? "", /^\/venv\/bin:/);
  });

  test("start scripts and tini become jupyterhub-singleuser with the container's options; other commands are refused", () => {
    const args = ["--SingleUserNotebookApp.default_url=/lab", "--notebook-dir=/home/jovyan/work"];
    for (const line of [
      { args: ["jupyterhub-singleuser", ...args] },
      { args: ["start-notebook.py", ...args] },
      { command: ["tini", "-g", "--"], args: ["start-singleuser.sh", ...args] },
    ])
      assert.deepEqual(serverPlan(pod(line), { ...options, extraArgs: ["--x=1"] }).args, [
        "--SingleUserNotebookApp.default_url=/lab",
        "--notebook-dir=/vol/home/work",
        "--x=1",
      ]);
    assert.throws(() => serverPlan(pod({ command: ["sleep", "infinity"] }), options), /cannot run/);
  });

  test("the postStart exec hook is kept; a pod without a loopback pod IP is refused", () => {
    const hook = { postStart: { exec: { command: ["bash", "-c", "touch ~/.x"] } } };
    assert.deepEqual(serverPlan(pod({ lifecycle: hook }), options).postStart, ["bash", "-c", "touch ~/.x"]);
    assert.throws(() => serverPlan(pod({}, "10.244.0.3"), options), /not a pod network address/);
    assert.throws(() => serverPlan(pod({}, "127.0.0.5"), options), /not a pod network address/);
  });
});

describe("pod networks", () => {
  test("clusters starting at once get different 127.N.0.0/16; a dead cluster's network is free again", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "pod-network-"));
    try {
      const dirs = ["a", "b", "c", "d"].map((name) => path.join(root, name));
      const networks = await Promise.all(dirs.map((dir) => reservePodNetwork(root, dir)));
      assert.deepEqual(networks.map((n) => n.octet).sort(), [1, 2, 3, 4]);
      assert.deepEqual(readPodNetwork(dirs[0] as string)?.cidr, `127.${networks[0]?.octet}.0.1/16`);
      // A record of a process that is gone and of a cluster with no running process: not in use.
      const dead = path.join(root, "dead");
      mkdirSync(dead);
      writeFileSync(
        path.join(dead, POD_NETWORK_FILE),
        JSON.stringify({ octet: 5, cidr: "x", pid: 2 ** 22 + 1 }),
      );
      assert.equal((await reservePodNetwork(root, path.join(root, "e"))).octet, 5);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("start slots", () => {
  test("at most `limit` take a slot; the others get theirs in order as slots are released; 0 is no limit", async () => {
    const slots = new StartSlots(2);
    const order: number[] = [];
    const takers = [1, 2, 3, 4].map((n) => slots.take().then(() => order.push(n)));
    await Promise.all(takers.slice(0, 2));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, [1, 2]);
    slots.release();
    await takers[2];
    slots.release();
    await takers[3];
    assert.deepEqual(order, [1, 2, 3, 4]);
    const unlimited = new StartSlots(0);
    await Promise.all(Array.from({ length: 50 }, () => unlimited.take()));
  });
});
