/**
 * The live platform: the deployed stack's hub, proxy and database pods run as real local processes
 * against the simulated cluster (kwok runs their pods as fakes that serve nothing), wired the way
 * cluster DNS and the Ingress would wire them (sim/live/addresses.ts). What stands in for the
 * outside world (the identity provider) and the user pods' notebook servers are added by the caller.
 */
import { NAMES } from "../../components/names";
import type { SimCluster } from "../cluster";
import { freePorts } from "../ports";
import { stopProcess } from "../processes";
import { originOf } from "./addresses";
import { type HubDatabase, startHubDatabase } from "./database";
import { type LiveHub, startLiveHub } from "./hub";
import { type LiveProxy, startLiveProxy } from "./proxy";

/** The parts of the rendered hub settings that name other services. */
export interface RenderedAddresses {
  readonly hub: { readonly connect_url: string };
  readonly proxy: { readonly api_url: string };
  readonly auth: { readonly callback_url: string; readonly authorize_url: string };
}

export interface LivePlatform {
  /** Where students go: the proxy's public port (the Ingress's host, made local). */
  readonly publicUrl: string;
  /** The identity provider's origin the stack names (e.g. https://auth.example.org:443). */
  readonly identityOrigin: string;
  readonly hub: LiveHub;
  readonly proxy: LiveProxy;
  readonly database: HubDatabase;
  stop(): Promise<void>;
}

export async function renderedHubSettings(cluster: SimCluster, namespace: string) {
  const configMap = await cluster.client.get<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/configmaps/${NAMES.hubConfigMap}`,
  );
  return JSON.parse(configMap.data?.["settings.json"] ?? "{}") as RenderedAddresses;
}

/**
 * Starts database, proxy and hub; `identityUrl` is the local origin of the identity provider the
 * caller runs (the hub only calls it at sign-in, so it may start after this).
 */
export async function startLivePlatform(
  cluster: SimCluster,
  namespace: string,
  identityUrl: string,
): Promise<LivePlatform> {
  const settings = await renderedHubSettings(cluster, namespace);
  const [hubPort, http, api, metrics] = (await freePorts(4)) as [number, number, number, number];
  const publicUrl = `http://127.0.0.1:${http}`;
  const identityOrigin = originOf(settings.auth.authorize_url);
  const origins = new Map([
    [originOf(settings.hub.connect_url), `http://127.0.0.1:${hubPort}`],
    [originOf(settings.proxy.api_url), `http://127.0.0.1:${api}`],
    [originOf(settings.auth.callback_url), publicUrl],
    [identityOrigin, identityUrl],
  ]);
  const started: { stop(): Promise<void> }[] = [];
  try {
    const database = await startHubDatabase(cluster, namespace);
    started.push(database);
    const proxy = await startLiveProxy(cluster, namespace, { http, api, metrics }, origins);
    started.push({ stop: async () => void (await stopProcess(proxy.record)) });
    const hub = await startLiveHub(cluster, namespace, { hubPort, databasePort: database.port, origins });
    started.push(hub);
    return {
      publicUrl,
      identityOrigin,
      hub,
      proxy,
      database,
      async stop() {
        for (const part of started.reverse()) await part.stop();
      },
    };
  } catch (error) {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    throw error;
  }
}
