/**
 * The user scheduler as a real process. Under kwok the rendered Deployment `user-scheduler` only
 * runs fake pods, so the sim starts the built kube-scheduler with what that Deployment would run:
 * the KubeSchedulerConfiguration from the applied ConfigMap, the container's own flags, and the
 * identity of the Deployment's ServiceAccount (a token from the TokenRequest API), so the rendered
 * RBAC (ClusterRoleBindings to system:kube-scheduler and system:volume-scheduler, the lease Role)
 * is what lets it work. Two changes only, both because it runs outside the cluster: the config gets
 * clientConnection.kubeconfig, and it serves health on 127.0.0.1 at a free port. Leader election
 * stays on, as configured (one replica here, so it takes the lease at once).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import type { SimCluster } from "./cluster";
import { freePorts } from "./ports";
import { probe } from "./probe";
import { exitOf, type ProcessRecord, startProcess } from "./processes";
import { writeServiceAccountKubeconfig } from "./service-account";
import { since, waitFor } from "./wait";

interface Deployment {
  spec: {
    template: {
      spec: {
        serviceAccountName?: string;
        containers: { command?: string[]; args?: string[] }[];
        volumes?: { name: string; configMap?: { name: string } }[];
      };
    };
  };
}

export interface UserScheduler {
  /** The process started first; `current()` is the one running now (after restarts). */
  readonly process: ProcessRecord;
  current(): ProcessRecord;
  /** Times it exited on its own (e.g. "Leaderelection lost" under load) and was started again. */
  restarts(): number;
  readonly schedulerNames: readonly string[];
  readonly serviceAccount: string;
  readonly lease?: string;
}

export interface UserSchedulerOptions {
  readonly namespace: string;
  /** The rendered Deployment (and, by default, ConfigMap) name. */
  readonly name?: string;
}

export async function startUserScheduler(
  cluster: SimCluster,
  options: UserSchedulerOptions,
): Promise<UserScheduler> {
  const started = Date.now();
  const { namespace } = options;
  const name = options.name ?? "user-scheduler";
  const client = cluster.client;
  const deployment = await client.get<Deployment>(
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
  );
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers[0];
  if (!container) throw new Error(`Deployment ${namespace}/${name} has no container`);
  const configMapName = podSpec.volumes?.find((volume) => volume.configMap)?.configMap?.name ?? name;
  const configMap = await client.get<{ data: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/configmaps/${configMapName}`,
  );
  const [configKey, configText] = Object.entries(configMap.data)[0] ?? [];
  if (!configKey || !configText)
    throw new Error(`ConfigMap ${namespace}/${configMapName} holds no scheduler config`);

  const serviceAccount = podSpec.serviceAccountName ?? "default";
  const dir = path.join(cluster.dir, name);
  mkdirSync(dir, { recursive: true });
  const kubeconfig = await writeServiceAccountKubeconfig(
    cluster,
    namespace,
    serviceAccount,
    path.join(dir, "kubeconfig"),
  );
  const config = parse(configText) as {
    clientConnection?: Record<string, unknown>;
    leaderElection?: { leaderElect?: boolean; resourceName?: string; resourceNamespace?: string };
    profiles?: { schedulerName?: string }[];
  };
  config.clientConnection = { ...config.clientConnection, kubeconfig };
  const configFile = path.join(dir, configKey);
  writeFileSync(configFile, stringify(config));

  const [port] = (await freePorts(1)) as [number];
  const flags = [...(container.command ?? []).slice(1), ...(container.args ?? [])].filter(
    (flag) => !flag.startsWith("--config="),
  );
  const args = [`--config=${configFile}`, ...flags, "--bind-address=127.0.0.1", `--secure-port=${port}`];
  const record = startProcess(cluster.dir, name, cluster.tools.kubeScheduler, args);
  const supervisor = restartOnFailure(cluster, record, () =>
    startProcess(cluster.dir, name, cluster.tools.kubeScheduler, args),
  );
  await waitFor(`${name} /healthz`, () => probe(`https://127.0.0.1:${port}/healthz`), {
    timeoutMs: 60_000,
    processes: [record],
  });
  const election = config.leaderElection;
  let lease: string | undefined;
  if (election?.leaderElect !== false && election?.resourceName) {
    lease = `${election.resourceNamespace ?? "kube-system"}/${election.resourceName}`;
    await waitFor(
      `${name} to hold the lease ${lease}`,
      async () => {
        const found = await client.find<{ spec?: { holderIdentity?: string } }>(
          `/apis/coordination.k8s.io/v1/namespaces/${election.resourceNamespace ?? "kube-system"}/leases/${election.resourceName}`,
        );
        return Boolean(found?.spec?.holderIdentity);
      },
      { timeoutMs: 60_000, processes: [record] },
    );
  }
  const schedulerNames = (config.profiles ?? []).map(
    (profile) => profile.schedulerName ?? "default-scheduler",
  );
  cluster.log(
    `${name} running as kube-scheduler ${cluster.tools.versions.kubernetes} (pid ${record.pid}, ServiceAccount ${namespace}/${serviceAccount}, schedulers ${schedulerNames.join(", ")}${lease ? `, leader of ${lease}` : ""}) in ${since(started)}`,
  );
  return {
    process: record,
    current: supervisor.current,
    restarts: supervisor.restarts,
    schedulerNames,
    serviceAccount,
    ...(lease ? { lease } : {}),
  };
}

/**
 * What the kubelet does for the Deployment's pod (restartPolicy Always): a scheduler that exits on
 * its own with an error (kube-scheduler exits when it loses its lease, e.g. when renewals time out
 * on a loaded machine) is started again. A stop by signal (the cluster stopping) is left alone.
 */
function restartOnFailure(cluster: SimCluster, first: ProcessRecord, start: () => ProcessRecord) {
  let current = first;
  let restarts = 0;
  const timer = setInterval(() => {
    const exit = exitOf(current);
    if (exit === undefined || exit === 0 || typeof exit === "string" || exit === null) return;
    restarts++;
    cluster.log(
      `${current.name} (pid ${current.pid}) exited with ${exit}: starting it again, as the kubelet would`,
    );
    current = start();
  }, 1000);
  timer.unref();
  return { current: () => current, restarts: () => restarts };
}
