/**
 * Deploys the stack onto a simulated cluster with the real Pulumi engine, as CI and an engineer
 * would: `pulumi preview --diff --policy-pack policies`, `pulumi up`, and a second preview that
 * must be empty; then starts the user scheduler as a real process (sim/user-scheduler.ts).
 */
import type { PlatformConfig } from "../config/schema/platform";
import { formatCounts, preview, type StepResult, up } from "../engine/operations";
import { openSimEngineStack } from "../engine/sim-stack";
import type { EngineStack } from "../engine/workspace";
import type { SimCluster } from "./cluster";
import { type PlatformRunning, platformRunning } from "./deploy";

export interface EngineDeployReport extends PlatformRunning {
  readonly engine: EngineStack;
  /** Absent when the previews were skipped (`previews: false`). */
  readonly preview?: StepResult;
  readonly up: StepResult;
  readonly secondPreview?: StepResult;
}

/** One line per step: what it did, how long it took. */
export function stepLine(result: StepResult): string {
  const violations = result.policyViolations.length;
  return `${result.step}: ${formatCounts(result.counts)} in ${result.seconds.toFixed(1)} s${violations ? `, ${violations} policy violations` : ""}`;
}

export function engineVersions(engine: EngineStack): string {
  const { tools } = engine;
  const provider = tools.kubernetesProvider
    ? `kubernetes provider ${tools.kubernetesProvider.version} (pinned build)`
    : "its installed plugins";
  return `Pulumi CLI ${tools.cliVersion} (${tools.source === "pinned" ? "pinned build" : `installed at ${tools.cli}`}), ${provider}${tools.source === "pinned" ? ", test providers for random and tls" : ""}`;
}

export async function deployWithEngine(
  cluster: SimCluster,
  stack: string,
  config: PlatformConfig,
  options: {
    readonly previews?: boolean;
    /** A copy of the stack file to deploy instead (with its profiles folder), e.g. the class's. */
    readonly stackFile?: string;
    readonly profilesDir?: string;
  } = {},
): Promise<EngineDeployReport> {
  const engine = await openSimEngineStack({
    name: cluster.name,
    stack,
    kubeconfig: cluster.kubeconfig,
    fresh: true,
    log: cluster.log,
    ...(options.stackFile ? { stackFile: options.stackFile } : {}),
    ...(options.profilesDir ? { profilesDir: options.profilesDir } : {}),
  });
  cluster.log(`engine: ${engineVersions(engine)}`);
  if (options.previews === false) {
    // Only `up`, for runs that use the platform rather than judge the deploy (npm run class).
    const deployed = await up(engine);
    cluster.log(stepLine(deployed));
    return { engine, up: deployed, ...(await platformRunning(cluster, config)) };
  }
  const first = await preview(engine);
  cluster.log(stepLine(first));
  const deployed = await up(engine);
  cluster.log(stepLine(deployed));
  const second = await preview(engine, "second-preview");
  cluster.log(stepLine(second));
  if (second.changes.length > 0)
    throw new Error(
      `the second preview is not empty:\n${second.changes.map((c) => `  ${c.op} ${c.urn} ${c.diffs.join(",")}`).join("\n")}`,
    );

  return {
    engine,
    preview: first,
    up: deployed,
    secondPreview: second,
    ...(await platformRunning(cluster, config)),
  };
}
