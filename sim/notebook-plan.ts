/**
 * What a user pod's notebook container becomes on this machine (sim/notebook-servers.ts runs it):
 * the real jupyterhub-singleuser of `.work/singleuser-venv` (sim/singleuser/requirements.txt: the
 * image's software), on the pod's IP (a loopback address, sim/pod-network.ts) and container port,
 * with the container's environment, its command/args where they name the image's start scripts, and
 * its volume mounts mapped to real folders: paths under a mount (the home claim at /home/jovyan)
 * become paths in the folder that stands for the volume (sim/provision.ts's localVolumeDir).
 *
 * What the image would supply and the pod spec does not: the docker-stacks images' ENTRYPOINT
 * (tini) and CMD `start-notebook.py`, which execs jupyterhub-singleuser when JUPYTERHUB_API_TOKEN
 * is set, their user jovyan with HOME and WORKDIR /home/jovyan, LANG and SHELL. Anything under a
 * path no volume covers lands in the pod's own folder (its "container filesystem").
 */
import path from "node:path";
import type { RestartPolicy } from "./restart-policy";

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  workingDir?: string;
  lifecycle?: { postStart?: { exec?: { command?: string[] } } };
}

export interface NotebookPod {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  spec: {
    containers: Container[];
    volumes?: ({ name: string } & Record<string, unknown>)[];
    terminationGracePeriodSeconds?: number;
    nodeName?: string;
    restartPolicy?: RestartPolicy;
  };
  status?: { phase?: string; podIP?: string };
}

/** A mount of the container mapped to a folder on this machine. */
export interface LocalMount {
  readonly mountPath: string;
  readonly dir: string;
}

export interface ServerPlan {
  readonly ip: string;
  readonly port: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The container's working directory on this machine (the server's root dir). */
  readonly cwd: string;
  /** The container's postStart exec command, mapped; run once the server is started. */
  readonly postStart?: readonly string[];
  /** The URL prefix the server answers under (JUPYTERHUB_SERVICE_PREFIX). */
  readonly prefix: string;
}

/** The docker-stacks images' user and locale (Dockerfile ENV and WORKDIR). */
export const IMAGE_HOME = "/home/jovyan";
const IMAGE_ENV = { NB_USER: "jovyan", NB_UID: "1000", NB_GID: "100", SHELL: "/bin/bash", LANG: "C.UTF-8" };
/** The images' start scripts and CMD: each ends in jupyterhub-singleuser under a hub. */
const SINGLEUSER_COMMANDS = new Set([
  "jupyterhub-singleuser",
  "start-notebook.py",
  "start-notebook.sh",
  "start-singleuser.py",
  "start-singleuser.sh",
  "tini",
]);

/** The main notebook container: KubeSpawner's `notebook`, else the first. */
export function notebookContainer(pod: NotebookPod): Container {
  const containers = pod.spec.containers;
  const found = containers.find((c) => c.name === "notebook") ?? containers[0];
  if (!found) throw new Error(`pod ${pod.metadata.name} has no container`);
  return found;
}

/** The folder standing for container path `value` when a mount covers it (the longest mount path wins). */
export function mountedPath(value: string, mounts: readonly LocalMount[]): string | undefined {
  if (!value.startsWith("/")) return undefined;
  const sorted = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const mount of sorted) {
    const base = mount.mountPath.replace(/\/+$/, "");
    if (value === base || value.startsWith(`${base}/`)) return path.join(mount.dir, value.slice(base.length));
  }
  return undefined;
}

/** Container path `value` on this machine: in a mount's folder, or else in the pod's `rootfs`. */
export function mapPath(value: string, mounts: readonly LocalMount[], rootfs: string): string {
  return mountedPath(value, mounts) ?? path.join(rootfs, value);
}

/**
 * An argument or env value mapped when it is a path under a mount (`--x=/home/jovyan/y`,
 * `/home/jovyan/work`); anything else (`/user/alice/`, a URL prefix) is left as it is.
 */
export function mapValue(value: string, mounts: readonly LocalMount[]): string {
  const at = value.indexOf("=");
  if (value.startsWith("-") && at > 0) {
    const mapped = mountedPath(value.slice(at + 1), mounts);
    return mapped ? `${value.slice(0, at + 1)}${mapped}` : value;
  }
  return mountedPath(value, mounts) ?? value;
}

/** The container's command line as the image runs it, with the start scripts replaced by jupyterhub-singleuser. */
function commandLine(container: Container): string[] {
  const line = [...(container.command ?? []), ...(container.args ?? [])];
  if (line.length === 0) return []; // the image's CMD, start-notebook.py
  while (line[0] === "tini" || line[0] === "-g" || line[0] === "--") line.shift();
  const first = line[0] ?? "";
  if (!SINGLEUSER_COMMANDS.has(path.basename(first)))
    throw new Error(
      `cannot run the container's command "${first}" here: only the images' start scripts and jupyterhub-singleuser`,
    );
  return line.slice(1);
}

export interface PlanOptions {
  /** `.work/singleuser-venv`. */
  readonly venv: string;
  /** The container's env, valueFrom already resolved. */
  readonly env: Readonly<Record<string, string>>;
  readonly mounts: readonly LocalMount[];
  /** Where paths no volume covers go. */
  readonly rootfs: string;
  /** Options added after the container's own (e.g. --ServerApp.allow_root=True when running as root). */
  readonly extraArgs?: readonly string[];
  /** Environment the image's own config would set (sim/singleuser/jupyter_server_config.py). */
  readonly extraEnv?: Readonly<Record<string, string>>;
}

/** The local process for `pod`'s notebook container; throws when the pod has no IP or its command cannot run here. */
export function serverPlan(pod: NotebookPod, options: PlanOptions): ServerPlan {
  const ip = pod.status?.podIP;
  if (!ip) throw new Error(`pod ${pod.metadata.name} has no IP yet`);
  if (!ip.startsWith("127.") || ip.startsWith("127.0."))
    throw new Error(
      `pod IP ${ip} is not a pod network address (127.N.x.y, N > 0): nothing could reach it here`,
    );
  const container = notebookContainer(pod);
  const port =
    container.ports?.find((p) => p.name === "notebook-port")?.containerPort ??
    container.ports?.[0]?.containerPort ??
    8888;
  const { mounts, rootfs } = options;
  const map = (value: string) => mapPath(value, mounts, rootfs);
  const containerEnv = Object.fromEntries(
    Object.entries(options.env).map(([name, value]) => [name, mapValue(value, mounts)]),
  );
  const prefix = containerEnv.JUPYTERHUB_SERVICE_PREFIX ?? "/";
  // KubeSpawner says http://0.0.0.0:<port>/...: every interface of the pod, i.e. the pod's IP.
  const serviceUrl = new URL(containerEnv.JUPYTERHUB_SERVICE_URL ?? `http://${ip}:${port}${prefix}`);
  if (["0.0.0.0", "", "[::]"].includes(serviceUrl.hostname)) serviceUrl.hostname = ip;
  const home = map(options.env.HOME ?? IMAGE_HOME);
  const env: Record<string, string> = {
    ...IMAGE_ENV,
    PATH: `${path.join(options.venv, "bin")}:/usr/local/bin:/usr/bin:/bin`,
    ...containerEnv,
    HOME: home,
    JUPYTERHUB_SERVICE_URL: serviceUrl.toString(),
    ...options.extraEnv,
  };
  const hook = container.lifecycle?.postStart?.exec?.command;
  return {
    ip,
    port,
    command: path.join(options.venv, "bin", "jupyterhub-singleuser"),
    args: [...commandLine(container).map((arg) => mapValue(arg, mounts)), ...(options.extraArgs ?? [])],
    env,
    cwd: map(container.workingDir ?? IMAGE_HOME),
    ...(hook && hook.length > 0 ? { postStart: hook.map((arg) => mapValue(arg, mounts)) } : {}),
    prefix,
  };
}
