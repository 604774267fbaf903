/** The tests' own stack and profiles (test/fixtures/base): what rule and fixture tests break in one place. */
import path from "node:path";
import { loadPlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema/platform";

export const FIXTURES = path.join(__dirname, "..", "fixtures");
export const BASE_STACK = path.join(FIXTURES, "base", "Pulumi.base.yaml");
export const BASE_PROFILES = path.join(FIXTURES, "base", "profiles");

let base: PlatformConfig | undefined;

/** The validated base config (frozen). Throws with the problems if it does not load. */
export function baseConfig(): PlatformConfig {
  if (!base) {
    const result = loadPlatformConfig({ stackFile: BASE_STACK });
    if (!result.config) throw new Error(`the base config does not load: ${JSON.stringify(result.issues)}`);
    base = result.config;
  }
  return base;
}

/** A deep, writable copy of the base config for a test to break in one place. */
export function editableBaseConfig(): PlatformConfig {
  return structuredClone(baseConfig()) as PlatformConfig;
}
