/**
 * The proxy Deployment's container as a local process: configurable-http-proxy from npm (the
 * version of the proxy image, package.json) with the container's own command and env, its
 * listen addresses moved to 127.0.0.1 and its ports and targets to the live platform's.
 */
import path from "node:path";
import { NAMES } from "../../components/names";
import type { SimCluster } from "../cluster";
import { PROJECT_ROOT } from "../cluster";
import { type ProcessRecord, startProcess } from "../processes";
import { waitFor } from "../wait";
import { localUrl, type OriginMap } from "./addresses";
import { type EnvVar, resolveEnv } from "./pod-env";

export const CHP_BIN = path.join(PROJECT_ROOT, "node_modules", ".bin", "configurable-http-proxy");

interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
}

interface Deployment {
  spec: { template: { spec: { containers: Container[] } } };
}

export interface ProxyPorts {
  readonly http: number;
  readonly api: number;
  readonly metrics: number;
}

export interface LiveProxy {
  readonly record: ProcessRecord;
  /** The public entry: what the Ingress would send students to. */
  readonly publicUrl: string;
  readonly apiUrl: string;
  readonly metricsUrl: string;
  /** CHP's command line as run (no secrets in it: the token comes from the env). */
  readonly args: readonly string[];
}

/** The container's flags with listen addresses, ports and targets made local. */
export function localProxyArgs(args: readonly string[], ports: ProxyPorts, origins: OriginMap): string[] {
  const local: Record<string, string> = {
    "--ip": "127.0.0.1",
    "--api-ip": "127.0.0.1",
    "--metrics-ip": "127.0.0.1",
    "--port": String(ports.http),
    "--api-port": String(ports.api),
    "--metrics-port": String(ports.metrics),
  };
  return args.map((arg) => {
    const at = arg.indexOf("=");
    if (!arg.startsWith("--") || at < 0) return arg;
    const flag = arg.slice(0, at);
    const value = arg.slice(at + 1);
    if (flag in local) return `${flag}=${local[flag]}`;
    return `${flag}=${localUrl(value, origins)}`;
  });
}

export async function startLiveProxy(
  cluster: SimCluster,
  namespace: string,
  ports: ProxyPorts,
  origins: OriginMap,
): Promise<LiveProxy> {
  const deployment = await cluster.client.get<Deployment>(
    `/apis/apps/v1/namespaces/${namespace}/deployments/${NAMES.proxy}`,
  );
  const container = deployment.spec.template.spec.containers[0];
  if (!container) throw new Error(`Deployment ${NAMES.proxy} has no container`);
  const [command, ...rest] = [...(container.command ?? []), ...(container.args ?? [])];
  if (command !== "configurable-http-proxy")
    throw new Error(`the proxy container runs ${command}, not configurable-http-proxy`);
  const args = localProxyArgs(rest, ports, origins);
  const env = await resolveEnv(cluster.client, { namespace, name: "proxy" }, container.env);
  const record = startProcess(cluster.dir, "proxy", process.execPath, [CHP_BIN, ...args], {
    match: "configurable-http-proxy",
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  const publicUrl = `http://127.0.0.1:${ports.http}`;
  const metricsUrl = `http://127.0.0.1:${ports.metrics}/metrics`;
  await waitFor("configurable-http-proxy answering", async () => (await fetch(metricsUrl)).ok, {
    timeoutMs: 30_000,
    intervalMs: 100,
    processes: [record],
  });
  return { record, publicUrl, apiUrl: `http://127.0.0.1:${ports.api}`, metricsUrl, args };
}
