/** Shared test helpers: the prod config as a mutable copy, and the project's paths. */
import path from "node:path";
import { loadPlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema/platform";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const PROD_STACK = path.join(PROJECT_ROOT, "Pulumi.prod.yaml");

let prod: PlatformConfig | undefined;

/** The validated prod config (frozen). Throws with the problems if it does not load. */
export function prodConfig(): PlatformConfig {
  if (!prod) {
    const result = loadPlatformConfig({ stackFile: PROD_STACK });
    if (!result.config) throw new Error(`prod config does not load: ${JSON.stringify(result.issues)}`);
    prod = result.config;
  }
  return prod;
}

/** A deep, writable copy of the prod config for a test to break in one place. */
export function editableProdConfig(): PlatformConfig {
  return structuredClone(prodConfig()) as PlatformConfig;
}
