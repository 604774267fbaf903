/**
 * The live platform on a cluster the stack is deployed to (by the engine or by apply): credentials
 * where the render left markers, the hub/proxy/database processes, the identity provider configured
 * from the stack with the given accounts, and what runs the user pods' notebook servers.
 */
import { HUB_SECRET_KEYS } from "../../components/jupyterhub/secret-keys";
import { NAMES } from "../../components/names";
import type { PlatformConfig } from "../../config/schema/platform";
import type { SimCluster } from "../cluster";
import {
  identityProviderOptions,
  type RunningIdentityProvider,
  startIdentityProvider,
  type TestAccount,
} from "../identity-provider";
import { freePorts } from "../ports";
import { secretValue } from "./database";
import { type LivePlatform, startLivePlatform } from "./platform";
import { fillMarkedSecrets } from "./secrets";

export interface LiveServices {
  readonly live: LivePlatform;
  readonly identity: RunningIdentityProvider;
  /** The proxy's auth token (Secret `hub`), for reading its routes. */
  readonly proxyToken: string;
  stop(): Promise<void>;
}

export type NotebookRunnerStart = (cluster: SimCluster) => Promise<{ stop(): Promise<void> }>;

export async function startLiveServices(
  cluster: SimCluster,
  config: PlatformConfig,
  accounts: readonly TestAccount[],
  notebooks?: NotebookRunnerStart,
): Promise<LiveServices> {
  const namespace = config.cluster.namespace;
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse())
      await step().catch((error: Error) => cluster.log(`stopping: ${error.message}`));
  };
  try {
    const filled = await fillMarkedSecrets(cluster.client, namespace);
    if (filled.length)
      cluster.log(`generated the credentials the render marked in Secrets ${filled.join(", ")}`);
    const [identityPort] = (await freePorts(1)) as [number];
    const live = await startLivePlatform(cluster, namespace, `http://127.0.0.1:${identityPort}`);
    stops.push(() => live.stop());
    const clientSecret = await secretValue(
      cluster,
      namespace,
      NAMES.hubSecret,
      HUB_SECRET_KEYS.oauthClientSecret,
    );
    const identity = await startIdentityProvider({
      ...identityProviderOptions(config, { hubUrl: live.publicUrl, clientSecret, accounts }),
      port: identityPort,
    });
    stops.push(() => identity.stop());
    if (notebooks) {
      const runner = await notebooks(cluster);
      stops.push(() => runner.stop());
    }
    const proxyToken = await secretValue(cluster, namespace, NAMES.hubSecret, HUB_SECRET_KEYS.proxyAuthToken);
    return { live, identity, proxyToken, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
