/**
 * Which Pulumi engine runs the program. On an engineer's machine with a working Pulumi
 * installation (the CLI with its Node.js language host beside it), that one, with its own plugins.
 * Everywhere else (this project's machines and CI, where no registry serves the language host or
 * the plugins), the pinned CLI and kubernetes provider that sim/build-tools.sh builds from the Go
 * module proxy, plus the test providers for random and tls (engine/test-providers/).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { BUILD_TOOLS } from "../sim/tools";

export const ENGINE_DIR = __dirname;
/** Plugins that are ours: the policy-pack analyzer launcher and the test providers' launchers. */
export const ENGINE_PLUGIN_DIR = path.join(ENGINE_DIR, "plugins");

export interface EngineTools {
  /** The `pulumi` executable. */
  readonly cli: string;
  /** What `pulumi version` says, e.g. v3.248.0. */
  readonly cliVersion: string;
  /** "installed": a Pulumi installation found on PATH; "pinned": built by sim/build-tools.sh. */
  readonly source: "installed" | "pinned";
  /** The pinned kubernetes provider plugin, absent for an installation (it brings its own). */
  readonly kubernetesProvider?: { readonly file: string; readonly version: string };
  /** Directories to put first on PATH for the engine's plugin lookups (ours only for the pinned build). */
  readonly pluginPath: readonly string[];
}

const PINNED = ["pulumi", "pulumi-resource-kubernetes"] as const;

/** A Pulumi installation on PATH is used when its Node.js language host sits beside it. */
function installedPulumi(): string | undefined {
  if (process.env.GPU_JUPYTERHUB_ENGINE === "pinned") return undefined;
  const found = spawnSync("bash", ["-c", "command -v pulumi"], { encoding: "utf8" });
  const cli = found.stdout.trim();
  if (found.status !== 0 || !cli) return undefined;
  const host = path.join(path.dirname(cli), "pulumi-language-nodejs");
  return existsSync(host) ? cli : undefined;
}

function pinnedList(): Map<string, { version: string; file: string }> {
  const result = spawnSync("bash", [BUILD_TOOLS, "--list", ...PINNED], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${BUILD_TOOLS} --list failed: ${result.stderr}`);
  return new Map(
    result.stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [name = "", version = "", file = ""] = line.split(" ");
        return [name, { version, file }];
      }),
  );
}

function versionOf(cli: string): string {
  return execFileSync(cli, ["version"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  }).trim();
}

/**
 * Finds the engine, building the pinned CLI and provider first when they are missing (about 18
 * minutes cold on 2 cores, progress lines through `log`).
 */
export function engineTools(log: (line: string) => void): EngineTools {
  const installed = installedPulumi();
  if (installed) {
    const cliVersion = versionOf(installed);
    log(`using the Pulumi installation at ${installed} (${cliVersion}) with its own plugins`);
    // Nothing of ours on PATH: its language host runs policy packs, its plugin cache has the real providers.
    return { cli: installed, cliVersion, source: "installed", pluginPath: [] };
  }
  let pinned = pinnedList();
  if ([...pinned.values()].some((tool) => !existsSync(tool.file))) {
    log("building the pinned Pulumi CLI and kubernetes provider (about 18 minutes cold on 2 cores)");
    const build = spawnSync("bash", [BUILD_TOOLS, ...PINNED], { stdio: ["ignore", "inherit", "inherit"] });
    if (build.status !== 0)
      throw new Error(`${BUILD_TOOLS} ${PINNED.join(" ")} failed (exit ${build.status})`);
    pinned = pinnedList();
  }
  const cli = pinned.get("pulumi");
  const provider = pinned.get("pulumi-resource-kubernetes");
  if (!cli || !provider) throw new Error(`${BUILD_TOOLS} --list names no pulumi or kubernetes provider`);
  return {
    cli: cli.file,
    cliVersion: versionOf(cli.file),
    source: "pinned",
    kubernetesProvider: { file: provider.file, version: provider.version },
    pluginPath: [ENGINE_PLUGIN_DIR],
  };
}
