/**
 * Everything a class needs, up: the simulated cluster with the stack deployed by the real engine,
 * the live hub/proxy/database, the identity provider configured from the stack with one account
 * per student, and the notebook runner. `stop()` takes it all down again, also after a failure.
 */
import { randomBytes } from "node:crypto";
import { HUB_SECRET_KEYS } from "../../components/jupyterhub/secret-keys";
import { NAMES } from "../../components/names";
import type { PlatformConfig } from "../../config/schema/platform";
import { type SimCluster, startCluster, stopCluster } from "../cluster";
import { deployWithEngine } from "../engine-deploy";
import {
  identityProviderOptions,
  type RunningIdentityProvider,
  startIdentityProvider,
  type TestAccount,
} from "../identity-provider";
import { secretValue } from "../live/database";
import { type LivePlatform, startLivePlatform } from "../live/platform";
import { freePorts } from "../ports";

export interface ClassPlatform {
  readonly cluster: SimCluster;
  readonly live: LivePlatform;
  readonly identity: RunningIdentityProvider;
  /** The proxy's auth token (Secret `hub`), for reading its routes. */
  readonly proxyToken: string;
  readonly seconds: { readonly cluster: number; readonly deploy: number; readonly platform: number };
  stop(): Promise<void>;
}

export interface ClassPlatformOptions {
  readonly name: string;
  readonly stack: string;
  readonly config: PlatformConfig;
  readonly accounts: readonly TestAccount[];
  readonly log: (line: string) => void;
  /** Starts what runs the user pods' notebook servers; returns how to stop it. */
  readonly notebooks?: (cluster: SimCluster) => Promise<{ stop(): Promise<void> }>;
}

/** `count` accounts in `group`, named student-001…, each with its own random password. */
export function classAccounts(count: number, group: string): TestAccount[] {
  return Array.from({ length: count }, (_, index) => ({
    username: `student-${String(index + 1).padStart(3, "0")}`,
    password: randomBytes(12).toString("base64url"),
    groups: [group],
  }));
}

export async function startClassPlatform(options: ClassPlatformOptions): Promise<ClassPlatform> {
  const { config, log } = options;
  const namespace = config.cluster.namespace;
  let started = Date.now();
  const cluster = await startCluster({ name: options.name, config, nodes: config.nodes, log });
  const clusterSeconds = (Date.now() - started) / 1000;
  const stops: (() => Promise<unknown>)[] = [() => stopCluster(options.name, log)];
  const stop = async () => {
    for (const step of stops.reverse())
      await step().catch((error: Error) => log(`stopping: ${error.message}`));
  };
  try {
    started = Date.now();
    await deployWithEngine(cluster, options.stack, config);
    const deploySeconds = (Date.now() - started) / 1000;

    started = Date.now();
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
      ...identityProviderOptions(config, {
        hubUrl: live.publicUrl,
        clientSecret,
        accounts: options.accounts,
      }),
      port: identityPort,
    });
    stops.push(() => identity.stop());
    if (options.notebooks) {
      const runner = await options.notebooks(cluster);
      stops.push(() => runner.stop());
    }
    const proxyToken = await secretValue(cluster, namespace, NAMES.hubSecret, HUB_SECRET_KEYS.proxyAuthToken);
    const platformSeconds = (Date.now() - started) / 1000;
    log(
      `live platform at ${live.publicUrl} (identity provider ${identity.baseUrl}) in ${platformSeconds.toFixed(1)} s`,
    );
    return {
      cluster,
      live,
      identity,
      proxyToken,
      seconds: { cluster: clusterSeconds, deploy: deploySeconds, platform: platformSeconds },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
