/**
 * The hub Deployment's container as a local process: the real JupyterHub from .work/venv (the hub
 * image's versions) running the files of ConfigMap `hub` exactly as the pod mounts them, with the
 * pod's env (Secrets `hub` and `hub-db` read from the cluster) and a kubeconfig of ServiceAccount
 * `hub`, so KubeSpawner has the rights the rendered RBAC gives. Only the settings' addresses are
 * made local (sim/live/addresses.ts); `settings.cluster.json` beside it keeps the rendered one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { NAMES } from "../../components/names";
import type { SimCluster } from "../cluster";
import { type ProcessRecord, startProcess, stopProcess } from "../processes";
import { ensureVenv, HUB_VENV } from "../python-env";
import { writeServiceAccountKubeconfig } from "../service-account";
import { waitFor } from "../wait";
import { localUrls, type OriginMap } from "./addresses";
import { type EnvVar, resolveEnv } from "./pod-env";

interface Container {
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
}

interface Deployment {
  spec: {
    template: {
      spec: {
        containers: Container[];
        volumes?: { name: string; configMap?: { name: string; items?: { key: string; path: string }[] } }[];
      };
    };
  };
}

export interface HubAddresses {
  readonly hubPort: number;
  readonly databasePort: number;
  readonly origins: OriginMap;
}

export interface LiveHub {
  readonly url: string;
  readonly dir: string;
  readonly log: string;
  /** The running process (changes on restart). */
  record(): ProcessRecord;
  restart(): Promise<{ stopSeconds: number; healthySeconds: number }>;
  stop(): Promise<void>;
}

/** The rendered settings with the addresses the local processes answer on. */
export function localSettings(settings: Record<string, unknown>, addresses: HubAddresses) {
  const local = localUrls(settings, addresses.origins) as Record<string, Record<string, unknown>>;
  const url = `http://127.0.0.1:${addresses.hubPort}`;
  return {
    ...local,
    hub: { ...local.hub, bind_url: url, connect_url: url },
    database: { ...local.database, host: "127.0.0.1", port: addresses.databasePort },
  };
}

/** Writes the ConfigMap volume's files where the container would see them, under `root`. */
function mountConfigMap(
  data: Record<string, string>,
  items: { key: string; path: string }[] | undefined,
  dir: string,
) {
  const entries = items ?? Object.keys(data).map((key) => ({ key, path: key }));
  for (const item of entries) {
    const file = path.join(dir, item.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data[item.key] ?? "");
  }
}

export async function startLiveHub(
  cluster: SimCluster,
  namespace: string,
  addresses: HubAddresses,
): Promise<LiveHub> {
  const dir = path.join(cluster.dir, "live", "hub");
  const deployment = await cluster.client.get<Deployment>(
    `/apis/apps/v1/namespaces/${namespace}/deployments/${NAMES.hub}`,
  );
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  if (!container) throw new Error(`Deployment ${NAMES.hub} has no container`);

  // Mounts: each ConfigMap volume of the container to a folder of its own; paths in args/env follow.
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((candidate) => candidate.name === mount.name);
    if (!volume?.configMap) continue;
    const configMap = await cluster.client.get<{ data?: Record<string, string> }>(
      `/api/v1/namespaces/${namespace}/configmaps/${volume.configMap.name}`,
    );
    const local = path.join(dir, "mounts", mount.name);
    mountConfigMap(configMap.data ?? {}, volume.configMap.items, local);
    mounts.set(mount.mountPath, local);
  }
  const localPath = (value: string) => {
    for (const [mountPath, local] of mounts)
      if (value === mountPath || value.startsWith(`${mountPath}/`))
        return local + value.slice(mountPath.length);
    return value;
  };

  const env = Object.fromEntries(
    Object.entries(await resolveEnv(cluster.client, { namespace, name: "hub" }, container.env)).map(
      ([name, value]) => [name, localPath(value)],
    ),
  );
  const settingsFile = env.JUPYTERHUB_SETTINGS;
  if (!settingsFile) throw new Error("the hub container sets no JUPYTERHUB_SETTINGS");
  const rendered = JSON.parse(readFileSync(settingsFile, "utf8")) as Record<string, unknown>;
  renameSync(settingsFile, path.join(path.dirname(settingsFile), "settings.cluster.json"));
  writeFileSync(settingsFile, `${JSON.stringify(localSettings(rendered, addresses), null, 2)}\n`);

  const kubeconfig = await writeServiceAccountKubeconfig(
    cluster,
    namespace,
    NAMES.hubServiceAccount,
    path.join(dir, "kubeconfig"),
  );
  const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])].map(localPath);
  if (command !== "jupyterhub") throw new Error(`the hub container runs ${command}, not jupyterhub`);
  const work = path.join(dir, "work"); // the image's working directory /srv/jupyterhub
  mkdirSync(work, { recursive: true });
  const url = `http://127.0.0.1:${addresses.hubPort}`;
  const processEnv = {
    PATH: `${path.join(HUB_VENV, "bin")}:${process.env.PATH ?? ""}`,
    HOME: work,
    PYTHONDONTWRITEBYTECODE: "1",
    ...env,
    KUBECONFIG: kubeconfig,
  };

  ensureVenv();
  let record: ProcessRecord;
  const launch = async () => {
    const started = Date.now();
    record = startProcess(cluster.dir, "hub", path.join(HUB_VENV, "bin", "jupyterhub"), args, {
      match: "jupyterhub",
      env: processEnv,
      cwd: work,
    });
    await waitFor("the hub's /hub/health", async () => (await fetch(`${url}/hub/health`)).ok, {
      timeoutMs: 120_000,
      intervalMs: 200,
      processes: [record],
    });
    return (Date.now() - started) / 1000;
  };
  await launch();
  const log = path.join(cluster.dir, "logs", "hub.log");
  return {
    url,
    dir,
    log,
    record: () => record,
    async restart() {
      const stopping = Date.now();
      await stopProcess(record);
      const stopSeconds = (Date.now() - stopping) / 1000;
      return { stopSeconds, healthySeconds: await launch() };
    },
    async stop() {
      await stopProcess(record);
    },
  };
}
