/**
 * npm run sim -- [--stack NAME] [--name NAME] [--keep] [--apply]
 * The main job on a machine without a cluster: starts a simulated cluster shaped like the stack's
 * nodes (sim:up), deploys the stack to it with the real Pulumi engine (preview with the policy
 * pack, up, a second preview that must be empty), starts the user scheduler, prints a report, and
 * stops the cluster again (--keep leaves it running; stop it with npm run sim:down). `--apply`
 * applies the rendered manifests with server-side apply instead (faster, no engine). Exits 1 when
 * a step fails.
 */
import { fail, parseCommandLine, runCommand } from "../cli/command";
import { startCluster, stopCluster } from "./cluster";
import { deployStack } from "./deploy";
import { deployWithEngine } from "./engine-deploy";
import { formatEngineReport, formatReport } from "./report";
import { simConfig } from "./stack";
import { waitFor } from "./wait";
import { workloadStates } from "./workloads";

const USAGE = "usage: npm run sim -- [--stack NAME] [--name NAME] [--keep] [--apply]";
const log = (line: string) => console.log(`[sim] ${line}`);

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    name: { type: "string" },
    keep: { type: "boolean", default: false },
    apply: { type: "boolean", default: false },
  });
  if (values.help) return void console.log(USAGE);
  const stack = values.stack as string;
  const name = (values.name as string | undefined) ?? stack;
  const started = Date.now();
  let config: ReturnType<typeof simConfig>;
  try {
    config = simConfig(stack);
  } catch (error) {
    fail((error as Error).message);
  }
  const cluster = await startCluster({
    name,
    config,
    nodes: config.nodes,
    keep: values.keep as boolean,
    log,
  });
  let ok = false;
  try {
    const deploy = values.apply
      ? { kind: "apply" as const, report: await deployStack(cluster, config) }
      : { kind: "engine" as const, report: await deployWithEngine(cluster, stack, config) };
    const namespaces = [
      ...new Set([
        config.cluster.namespace,
        config.storage.provisionerNamespace,
        ...(config.userScheduler.enabled ? [config.userScheduler.namespace] : []),
        ...(config.gpuOperator.enabled ? [config.gpuOperator.namespace] : []),
      ]),
    ];
    // Everything else (database, pre-pullers) is usually ready by now; report it as it is after 60 s.
    const workloads = await waitFor(
      "every workload ready",
      async () => {
        const states = await workloadStates(cluster.client, namespaces);
        return states.every((w) => w.ready === w.desired) ? states : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    ).catch(() => workloadStates(cluster.client, namespaces));
    const seconds = (Date.now() - started) / 1000;
    const report =
      deploy.kind === "apply"
        ? await formatReport(cluster, deploy.report, workloads, seconds)
        : await formatEngineReport(cluster, deploy.report, workloads, seconds);
    console.log(`\n${report}\n`);
    ok = true;
  } catch (error) {
    console.error(`[sim] ${(error as Error).message}`);
  } finally {
    if (values.keep && ok) {
      log(
        `left running: export KUBECONFIG=${cluster.kubeconfig}; stop it with npm run sim:down -- --name ${name}`,
      );
    } else {
      await stopCluster(name, log);
    }
    cluster.client.close();
  }
  if (!ok) process.exit(1);
});
