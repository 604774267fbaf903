/**
 * The Pulumi program's body, shared by the two ways the engine runs it: `index.ts` under Pulumi's
 * Node.js language host (`pulumi up` on an engineer's machine or in CI), and the engine harness's
 * automation-API inline program (engine/, where no language host can be installed). Both call
 * this one function, so both deploy the same resources and export the same outputs.
 */
import { Platform } from "./components/platform";
import { loadStackConfig } from "./config/pulumi-stack";

/** Loads the validated config of the current stack from `projectDir` and builds the platform. */
export function platformProgram(projectDir: string) {
  const { config, secrets } = loadStackConfig(projectDir);
  const platform = new Platform("jupyterhub", { config, secrets });
  return {
    hubUrl: platform.hubUrl,
    namespace: platform.namespace,
    profileSlugs: config.profiles.map((profile) => profile.slug),
  };
}
