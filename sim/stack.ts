/**
 * The stack the simulated cluster runs: the stack file as `pulumi up` would see it once the
 * deploy-time values are set. Only the NFS server is missing from prod's file (it is set with
 * `pulumi config set` before deploying); the sim fills in 127.0.0.1 in memory, so there is no copy
 * of the stack file to drift from the real one. Nothing mounts NFS under kwok; the address only
 * appears in the provisioner's env and the volumes.
 */
import path from "node:path";
import { loadPlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema/platform";
import { renderToDirectory } from "../render/directory";
import { PROJECT_ROOT } from "./cluster";

export const SIM_NFS_SERVER = "127.0.0.1";
/** Where the sim says the backup repository is, when the stack leaves it open: never reached. */
export const SIM_BACKUP_REPOSITORY = {
  url: "rest:https://backup.sim.invalid:8000/jupyterhub",
  address: "192.0.2.10/32",
} as const;

export function simConfig(stack = "prod"): PlatformConfig {
  const stackFile = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  const result = loadPlatformConfig({ stackFile });
  if (!result.config) {
    const problems = result.issues.filter((issue) => issue.severity === "error");
    throw new Error(
      `stack "${stack}" does not validate (npm run validate -- --stack ${stack}): ${JSON.stringify(problems)}`,
    );
  }
  const config = result.config;
  if (config.storage.nfs.server) return config;
  return {
    ...config,
    storage: { ...config.storage, nfs: { ...config.storage.nfs, server: SIM_NFS_SERVER } },
  };
}

/** Renders the stack like `npm run render` into `outDir`; returns the file names. */
export function renderStack(config: PlatformConfig, outDir: string): Promise<string[]> {
  return renderToDirectory(config, outDir);
}
