/**
 * A stack deployed by the real engine onto a simulated cluster: the values an operator sets with
 * `pulumi config set` before the first `pulumi up` (README), filled in for the simulation:
 * - storage.nfs.server: 127.0.0.1 when the stack file leaves it open (nothing mounts NFS under kwok);
 * - backup.repository.url and .addresses when backups are on and the stack file leaves them open:
 *   a repository that is never reached (kwok runs no containers), at a documentation address;
 * - oauthClientSecret: a random secret kept in the engine's state folder;
 * - gpuOperator.chart.localPath: a stand-in chart (below), because NVIDIA's Helm repository cannot
 *   be reached here and copying the upstream chart into the repository is not an option.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadPlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema/platform";
import { SIM_BACKUP_REPOSITORY, SIM_NFS_SERVER } from "../sim/stack";
import { type EngineStack, engineDir, harnessSecret, openEngineStack, PROJECT_ROOT } from "./workspace";

export interface SimEngineStackOptions {
  readonly name: string;
  readonly stack: string;
  readonly kubeconfig: string;
  readonly stackFile?: string;
  readonly profilesDir?: string;
  readonly fresh?: boolean;
  /** Secrets to set instead of the kept ones (e.g. a changed OAuth client secret). */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly log: (line: string) => void;
}

/**
 * The stand-in for the GPU Operator chart: same name and version, no operator (there are no GPUs);
 * it renders one ConfigMap holding the values Helm received, so a test can read what the release
 * was given. Lives in the engine's state folder, never in the repository.
 */
export function writeGpuOperatorStandInChart(dir: string, config: PlatformConfig): string {
  const chartDir = path.join(dir, "gpu-operator-stand-in");
  mkdirSync(path.join(chartDir, "templates"), { recursive: true });
  const { name, version } = config.gpuOperator.chart;
  writeFileSync(
    path.join(chartDir, "Chart.yaml"),
    [
      "apiVersion: v2",
      `name: ${name}`,
      `version: ${version.replace(/^v/, "")}`,
      "description: Stand-in for NVIDIA's GPU Operator chart on the simulated cluster (engine/sim-stack.ts); deploys no operator.",
      "",
    ].join("\n"),
  );
  writeFileSync(
    path.join(chartDir, "templates", "values-received.yaml"),
    [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: {{ .Release.Name }}-values-received",
      "  labels:",
      "    app.kubernetes.io/managed-by: {{ .Release.Service }}",
      "data:",
      "  values.yaml: |",
      "{{ toYaml .Values | indent 4 }}",
      "",
    ].join("\n"),
  );
  return chartDir;
}

export async function openSimEngineStack(options: SimEngineStackOptions): Promise<EngineStack> {
  const stackFile = options.stackFile ?? path.join(PROJECT_ROOT, `Pulumi.${options.stack}.yaml`);
  const loaded = loadPlatformConfig({
    stackFile,
    ...(options.profilesDir ? { profilesDir: options.profilesDir } : {}),
  });
  if (!loaded.config) {
    const problems = loaded.issues.filter((issue) => issue.severity === "error");
    throw new Error(
      `stack "${options.stack}" does not validate: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
    );
  }
  const config = loaded.config;
  // Wiped before the kept OAuth secret is read, so it is made once for the new stack.
  if (options.fresh) rmSync(engineDir(options.name), { recursive: true, force: true });
  const paths: Record<string, string> = {};
  if (!config.storage.nfs.server) paths["storage.nfs.server"] = SIM_NFS_SERVER;
  if (config.backup.enabled && !config.backup.repository.url)
    paths["backup.repository.url"] = SIM_BACKUP_REPOSITORY.url;
  if (config.backup.enabled && config.backup.repository.addresses.length === 0)
    paths["backup.repository.addresses[0]"] = SIM_BACKUP_REPOSITORY.address;
  if (config.gpuOperator.enabled)
    paths["gpuOperator.chart.localPath"] = writeGpuOperatorStandInChart(engineDir(options.name), config);
  const engine = await openEngineStack({
    name: options.name,
    stack: options.stack,
    kubeconfig: options.kubeconfig,
    stackFile,
    ...(options.profilesDir ? { profilesDir: options.profilesDir } : {}),
    config: {
      paths,
      secrets: { oauthClientSecret: harnessSecret(options.name, "oauth-client-secret"), ...options.secrets },
    },
    log: options.log,
  });
  return engine;
}
