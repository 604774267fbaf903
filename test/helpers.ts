/** Shared test helpers: the prod config as a mutable copy, the seed's copy, and the project's paths. */
import path from "node:path";
import { loadPlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema/platform";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const PROD_STACK = path.join(PROJECT_ROOT, "Pulumi.prod.yaml");
/**
 * The seed snapshot (test/fixtures/seed): prod's stack and profiles as the seed states them. Only
 * tests of the seed's facts (docs/profiles.md, "What the tests know about prod") load it.
 */
export const SEED_STACK = path.join(PROJECT_ROOT, "test", "fixtures", "seed", "Pulumi.seed.yaml");

const loaded = new Map<string, PlatformConfig>();

function load(stackFile: string, what: string): PlatformConfig {
  let config = loaded.get(stackFile);
  if (!config) {
    const result = loadPlatformConfig({ stackFile });
    if (!result.config) throw new Error(`${what} config does not load: ${JSON.stringify(result.issues)}`);
    config = result.config;
    loaded.set(stackFile, config);
  }
  return config;
}

/** The validated prod config (frozen). Throws with the problems if it does not load. */
export function prodConfig(): PlatformConfig {
  return load(PROD_STACK, "prod");
}

/** A deep, writable copy of the prod config for a test to break in one place. */
export function editableProdConfig(): PlatformConfig {
  return structuredClone(prodConfig()) as PlatformConfig;
}

/**
 * The seed's config (frozen): what a test of the seed's figures (198 / 6 / 6 / 3 / 3 / 8 / 3 / 24
 * users, the class of 150) loads instead of prod, which may grow.
 */
export function seedConfig(): PlatformConfig {
  return load(SEED_STACK, "the seed");
}
