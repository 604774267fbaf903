/**
 * The Pulumi program's body, shared by the two ways the engine runs it: `index.ts` under Pulumi's
 * Node.js language host (`pulumi up` on an engineer's machine or in CI), and the engine harness's
 * automation-API inline program (engine/, where no language host can be installed). Both call
 * this one function, so both deploy the same resources and export the same outputs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { HubSourceFile } from "./components/jupyterhub/hub-files";
import { Platform } from "./components/platform";
import { loadStackConfig } from "./config/pulumi-stack";

/**
 * The hub's static files (hub/ beside this file, not the stack's project folder, which the engine
 * harness makes elsewhere), read here so that no component reads the disk. Sorted walk order: the
 * hub's checksum annotation depends on it.
 */
export function readHubFiles(dir = path.join(__dirname, "hub")): HubSourceFile[] {
  const walk = (relative: string): string[] =>
    readdirSync(path.join(dir, relative))
      .sort()
      .flatMap((name) => {
        const child = path.posix.join(relative, name);
        if (name === "__pycache__" || name.startsWith(".")) return [];
        return statSync(path.join(dir, child)).isDirectory() ? walk(child) : [child];
      });
  return walk("").map((file) => ({ path: file, content: readFileSync(path.join(dir, file), "utf8") }));
}

/** Loads the validated config of the current stack from `projectDir` and builds the platform. */
export function platformProgram(projectDir: string) {
  const { config, secrets } = loadStackConfig(projectDir);
  const platform = new Platform("jupyterhub", { config, secrets, hubFiles: readHubFiles() });
  return {
    hubUrl: platform.hubUrl,
    namespace: platform.namespace,
    profileSlugs: config.profiles.map((profile) => profile.slug),
  };
}
