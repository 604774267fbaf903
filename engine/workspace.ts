/**
 * A stack the real Pulumi engine runs through the automation API: the project's program as an
 * inline program (program.ts, exactly what index.ts runs), a file backend and a passphrase of its
 * own under `.work/engine/<name>/`, and a copy of the stack file there, because the engine writes
 * into the stack file (its encryption salt, `pulumi config set`) and the repository's copy must
 * stay as reviewed. The copy is taken afresh from the real file on every open, so an edit to the
 * stack file or a profile is what the next preview sees.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { PROJECT, profilesDirOf } from "../config/load";
import { platformProgram } from "../program";
import { type EngineTools, engineTools } from "./tools";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const ENGINE_STATE_ROOT = path.join(PROJECT_ROOT, ".work", "engine");

/** Values the harness sets in the stack's config, as `pulumi config set` would. */
export interface HarnessConfig {
  /** `--path` keys under the project namespace, e.g. "storage.nfs.server" → "127.0.0.1". */
  readonly paths?: Readonly<Record<string, string>>;
  /** Secret keys under the project namespace, e.g. oauthClientSecret. */
  readonly secrets?: Readonly<Record<string, string>>;
}

export interface EngineStackOptions {
  /** Names the state folder `.work/engine/<name>/`. */
  readonly name: string;
  readonly stack: string;
  /** The kubeconfig the kubernetes provider uses. */
  readonly kubeconfig: string;
  /** The stack file to copy (default: Pulumi.<stack>.yaml in the project). */
  readonly stackFile?: string;
  /** The profile folder the program reads (default: the one the stack file names). */
  readonly profilesDir?: string;
  readonly config?: HarnessConfig;
  /** Wipe the state folder first (a new stack with nothing deployed). */
  readonly fresh?: boolean;
  readonly log: (line: string) => void;
}

export interface EngineStack {
  readonly stack: Stack;
  readonly tools: EngineTools;
  readonly dir: string;
  /** The engine's copy of the stack file. */
  readonly stackFile: string;
  readonly options: EngineStackOptions;
}

export function engineDir(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name))
    throw new Error(`engine stack name "${name}": use a-z, 0-9 and '-'`);
  return path.join(ENGINE_STATE_ROOT, name);
}

/** A value kept in a private file of the state folder, made once. */
function keptSecret(dir: string, file: string): string {
  const target = path.join(dir, file);
  if (!existsSync(target)) {
    writeFileSync(target, randomBytes(24).toString("hex"), { mode: 0o600 });
    chmodSync(target, 0o600);
  }
  return readFileSync(target, "utf8").trim();
}

/** The pinned engine's plugin cache: shared by every state folder, outside the clone. */
function pinnedPulumiHome(): string {
  const cache =
    process.env.GPU_JUPYTERHUB_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "gpu-jupyterhub");
  return path.join(cache, "pulumi-home");
}

/** The project file for an inline program: the real one without `main` (the CLI checks that it exists). */
export function inlineProjectFile(): string {
  const project = parseDocument(readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
  project.delete("main");
  return project.toString();
}

/** The stack file's text with the engine's encryption salt from the previous copy kept. */
export function stackCopy(realText: string, previousCopy: string | undefined): string {
  const salt = previousCopy?.match(/^encryptionsalt: .*$/m)?.[0];
  const withoutSalt = realText.replace(/^encryptionsalt: .*\n?/m, "");
  return salt ? `${salt}\n${withoutSalt}` : withoutSalt;
}

/** Opens (creating when needed) the engine stack for `options.stack`, with the harness's config set. */
export async function openEngineStack(options: EngineStackOptions): Promise<EngineStack> {
  const dir = engineDir(options.name);
  if (options.fresh) rmSync(dir, { recursive: true, force: true });
  const projectDir = path.join(dir, "project");
  mkdirSync(path.join(dir, "state"), { recursive: true });
  mkdirSync(projectDir, { recursive: true });
  const tools = engineTools(options.log);

  const realStackFile = options.stackFile ?? path.join(PROJECT_ROOT, `Pulumi.${options.stack}.yaml`);
  const realText = readFileSync(realStackFile, "utf8");
  const stackFile = path.join(projectDir, `Pulumi.${options.stack}.yaml`);
  writeFileSync(
    stackFile,
    stackCopy(realText, existsSync(stackFile) ? readFileSync(stackFile, "utf8") : undefined),
  );
  writeFileSync(path.join(projectDir, "Pulumi.yaml"), inlineProjectFile());

  const pulumiHome = tools.source === "pinned" ? pinnedPulumiHome() : undefined;
  const envVars: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: keptSecret(dir, "passphrase"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    KUBECONFIG: options.kubeconfig,
    PATH: [...tools.pluginPath, path.dirname(process.execPath), process.env.PATH ?? ""].join(":"),
  };
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(path.dirname(tools.cli)) });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: options.stack, projectName: PROJECT, program: async () => platformProgram(projectDir) },
    { workDir: projectDir, envVars, pulumiCommand, ...(pulumiHome ? { pulumiHome } : {}) },
  );
  if (tools.kubernetesProvider && pulumiHome) installKubernetesProvider(tools, pulumiHome, options.log);

  // The program resolves profiles relative to the stack file; the copy lives elsewhere.
  const profilesDir = path.resolve(options.profilesDir ?? profilesDirOf(realStackFile, realText));
  await stack.setConfig(`${PROJECT}:profilesDir`, { value: profilesDir });
  for (const [key, value] of Object.entries(options.config?.paths ?? {}))
    await stack.setConfig(`${PROJECT}:${key}`, { value }, true);
  for (const [key, value] of Object.entries(options.config?.secrets ?? {}))
    await stack.setConfig(`${PROJECT}:${key}`, { value, secret: true });
  return { stack, tools, dir, stackFile, options };
}

/**
 * Puts the pinned kubernetes provider into the plugin cache as the version it is, which is the
 * version @pulumi/kubernetes (pinned to match) asks the engine for.
 */
function installKubernetesProvider(
  tools: EngineTools,
  pulumiHome: string,
  log: (line: string) => void,
): void {
  const provider = tools.kubernetesProvider;
  if (!provider) return;
  const version = provider.version.replace(/^v/, "");
  if (existsSync(path.join(pulumiHome, "plugins", `resource-kubernetes-v${version}`))) return;
  execFileSync(tools.cli, ["plugin", "install", "resource", "kubernetes", version, "--file", provider.file], {
    env: { ...process.env, PULUMI_HOME: pulumiHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  log(`installed the kubernetes provider ${provider.version} into ${pulumiHome}`);
}

/** A secret kept in the state folder (generated once), for harness values such as the OAuth secret. */
export function harnessSecret(name: string, key: string): string {
  const dir = engineDir(name);
  mkdirSync(dir, { recursive: true });
  return keptSecret(dir, key);
}
