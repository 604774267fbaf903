/**
 * Starts the control plane on 127.0.0.1, one process at a time, each checked healthy before the
 * next: etcd, kube-apiserver, kube-controller-manager, kube-scheduler (the cluster's default
 * scheduler) and kwok (which plays the kubelets of the fake nodes). Flags as proved in
 * docs/sim.md; ports are picked free, so clusters can run side by side.
 */
import path from "node:path";
import type { KubeClient } from "./kube-client";
import { writeKubeconfig } from "./kubeconfig";
import { type ClientName, type Pki, SERVICE_CIDR } from "./pki";
import { probe } from "./probe";
import { type ProcessRecord, startProcess } from "./processes";
import type { SimTools } from "./tools";
import { since, waitFor } from "./wait";

export interface Ports {
  readonly etcd: number;
  readonly etcdPeer: number;
  readonly apiserver: number;
  readonly controllerManager: number;
  readonly scheduler: number;
  readonly kwok: number;
}

/** The annotation kwok is told to manage nodes by; every fake node carries it. */
export const KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node";

export interface ControlPlaneContext {
  readonly dir: string;
  readonly tools: SimTools;
  readonly pki: Pki;
  readonly ports: Ports;
  readonly admin: KubeClient;
  readonly log: (line: string) => void;
  /** kwok's pod IPs: a loopback /16 of this cluster alone (sim/pod-network.ts), e.g. 127.1.0.1/16. */
  readonly podCidr: string;
}

const host = "127.0.0.1";

function kubeconfigFor(context: ControlPlaneContext, name: ClientName): string {
  const file = path.join(context.dir, `${name}.kubeconfig`);
  writeKubeconfig(file, name, {
    server: `https://${host}:${context.ports.apiserver}`,
    ca: context.admin.credentials.ca,
    ...context.pki.client(name),
  });
  return file;
}

async function startAndWait(
  context: ControlPlaneContext,
  started: ProcessRecord[],
  name: string,
  binary: string,
  args: string[],
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const start = Date.now();
  const record = startProcess(context.dir, name, binary, args);
  started.push(record);
  await waitFor(`${name} to be healthy`, ready, { timeoutMs, processes: started });
  context.log(`${name} ready in ${since(start)} (pid ${record.pid})`);
}

export async function startControlPlane(context: ControlPlaneContext): Promise<ProcessRecord[]> {
  const { dir, tools, pki, ports, admin } = context;
  const started: ProcessRecord[] = [];
  await startAndWait(
    context,
    started,
    "etcd",
    tools.etcd,
    [
      "--name=sim0",
      `--data-dir=${path.join(dir, "etcd")}`,
      `--listen-client-urls=http://${host}:${ports.etcd}`,
      `--advertise-client-urls=http://${host}:${ports.etcd}`,
      `--listen-peer-urls=http://${host}:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://${host}:${ports.etcdPeer}`,
      `--initial-cluster=sim0=http://${host}:${ports.etcdPeer}`,
      "--initial-cluster-state=new",
      "--auto-compaction-retention=1",
      "--quota-backend-bytes=8589934592",
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
    () => probe(`http://${host}:${ports.etcd}/health`, '"health":"true"'),
  );
  await startAndWait(
    context,
    started,
    "kube-apiserver",
    tools.kubeApiserver,
    [
      `--etcd-servers=http://${host}:${ports.etcd}`,
      `--bind-address=${host}`,
      `--secure-port=${ports.apiserver}`,
      // 127.0.0.1 is refused by the lease endpoint reconciler; without endpoints for the
      // `kubernetes` Service nothing breaks here (no in-cluster clients).
      `--advertise-address=${host}`,
      "--endpoint-reconciler-type=none",
      `--tls-cert-file=${pki.file("apiserver.crt")}`,
      `--tls-private-key-file=${pki.file("apiserver.key")}`,
      `--client-ca-file=${pki.ca}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--authorization-mode=Node,RBAC",
      `--requestheader-client-ca-file=${pki.ca}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${pki.file("front-proxy-client.crt")}`,
      `--proxy-client-key-file=${pki.file("front-proxy-client.key")}`,
      "--allow-privileged=true",
    ],
    async () => (await admin.request("GET", "/readyz")).status === 200,
    120_000,
  );
  const kcm = kubeconfigFor(context, "kcm");
  await startAndWait(
    context,
    started,
    "kube-controller-manager",
    tools.kubeControllerManager,
    [
      `--kubeconfig=${kcm}`,
      `--authentication-kubeconfig=${kcm}`,
      `--authorization-kubeconfig=${kcm}`,
      `--bind-address=${host}`,
      `--secure-port=${ports.controllerManager}`,
      "--leader-elect=false",
      `--root-ca-file=${pki.ca}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      "--use-service-account-credentials=true",
      `--cluster-signing-cert-file=${pki.ca}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      // The defaults (20/s, bursts of 30) make binding and releasing a class's 200 claims take
      // minutes; a real control plane's latency is not what the sim measures.
      "--kube-api-qps=500",
      "--kube-api-burst=1000",
    ],
    () => probe(`https://${host}:${ports.controllerManager}/healthz`),
  );
  const scheduler = kubeconfigFor(context, "scheduler");
  await startAndWait(
    context,
    started,
    "kube-scheduler",
    tools.kubeScheduler,
    [
      `--kubeconfig=${scheduler}`,
      `--authentication-kubeconfig=${scheduler}`,
      `--authorization-kubeconfig=${scheduler}`,
      `--bind-address=${host}`,
      `--secure-port=${ports.scheduler}`,
      "--leader-elect=false",
    ],
    () => probe(`https://${host}:${ports.scheduler}/healthz`),
  );
  await startAndWait(
    context,
    started,
    "kwok",
    tools.kwok,
    [
      `--kubeconfig=${kubeconfigFor(context, "kwok")}`,
      `--config=${tools.kwokStages}`,
      "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      `--node-ip=${host}`,
      `--node-port=${ports.kwok}`,
      `--server-address=${host}:${ports.kwok}`,
      // Pod IPs: a loopback /16 (room for every user pod of a big class) that processes standing in
      // for a pod's containers can listen on (sim/pod-network.ts, sim/notebook-runner.ts).
      `--cidr=${context.podCidr}`,
      "--node-lease-duration-seconds=40",
    ],
    () => probe(`http://${host}:${ports.kwok}/healthz`),
  );
  return started;
}
