/**
 * Everything a class needs, up: the simulated cluster with the stack deployed by the real engine,
 * then the live services (sim/live/services.ts) with one account per student. `stop()` takes it
 * all down again, also after a failure.
 */
import { randomBytes } from "node:crypto";
import type { PlatformConfig } from "../../config/schema/platform";
import { type SimCluster, startCluster, stopCluster } from "../cluster";
import { deployWithEngine } from "../engine-deploy";
import type { TestAccount } from "../identity-provider";
import { type LiveServices, type NotebookRunnerStart, startLiveServices } from "../live/services";
import type { ClassStackFile } from "./stack-file";

export interface ClassPlatform extends LiveServices {
  readonly cluster: SimCluster;
  readonly seconds: { readonly cluster: number; readonly deploy: number; readonly platform: number };
}

export interface ClassPlatformOptions {
  readonly name: string;
  readonly stack: string;
  readonly config: PlatformConfig;
  readonly accounts: readonly TestAccount[];
  readonly log: (line: string) => void;
  readonly notebooks?: NotebookRunnerStart;
  /** A copy of the stack file to deploy instead of the stack's own (sim/class/stack-file.ts). */
  readonly stackFile?: ClassStackFile;
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
  let started = Date.now();
  const cluster = await startCluster({ name: options.name, config, nodes: config.nodes, log });
  const clusterSeconds = (Date.now() - started) / 1000;
  try {
    started = Date.now();
    await deployWithEngine(cluster, options.stack, config, {
      previews: false,
      ...(options.stackFile ?? {}),
    });
    const deploySeconds = (Date.now() - started) / 1000;
    started = Date.now();
    const services = await startLiveServices(cluster, config, options.accounts, options.notebooks);
    const platformSeconds = (Date.now() - started) / 1000;
    log(
      `live platform at ${services.live.publicUrl} (identity provider ${services.identity.baseUrl}) in ${platformSeconds.toFixed(1)} s`,
    );
    return {
      ...services,
      cluster,
      seconds: { cluster: clusterSeconds, deploy: deploySeconds, platform: platformSeconds },
      async stop() {
        await services.stop();
        await stopCluster(options.name, log);
      },
    };
  } catch (error) {
    await stopCluster(options.name, log);
    throw error;
  }
}
