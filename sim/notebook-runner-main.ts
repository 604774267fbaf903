/**
 * The simulated cluster's notebook runner as one process (started on request with
 * startNotebookRunner, sim/notebook-runner.ts; stopped with the cluster):
 *   node --import tsx sim/notebook-runner-main.ts KUBECONFIG VENV [NAMESPACE] [--max-starting=N]
 * A real jupyterhub-singleuser behind every Running user pod of NAMESPACE, or of every namespace
 * (sim/notebook-servers.ts).
 * On SIGTERM or SIGINT it stops every server it started (SIGTERM, SIGKILL after 5 s), then exits;
 * if it dies otherwise, the kernel stops them (sim/singleuser/launch.py).
 */
import path from "node:path";
import { KubeClient } from "./kube-client";
import { readKubeconfig } from "./kubeconfig";
import { RUNNER_ARGS, RUNNER_ENV } from "./notebook-runner";
import { NotebookServers } from "./notebook-servers";

const flags = process.argv.slice(2).filter((arg) => arg.startsWith("--"));
const [kubeconfig, venv, namespace] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const maxStarting = flags.find((flag) => flag.startsWith("--max-starting="))?.split("=")[1];
if (!kubeconfig || !venv || (maxStarting !== undefined && !/^\d+$/.test(maxStarting))) {
  process.stderr.write(
    "usage: node --import tsx sim/notebook-runner-main.ts KUBECONFIG VENV [NAMESPACE] [--max-starting=N]\n",
  );
  process.exit(2);
}
const client = new KubeClient(readKubeconfig(kubeconfig));
const controller = new AbortController();
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const servers = new NotebookServers({
  client,
  ...(namespace ? { namespace } : {}),
  dir: path.dirname(kubeconfig),
  venv,
  log,
  extraArgs: RUNNER_ARGS,
  extraEnv: RUNNER_ENV,
  ...(maxStarting !== undefined ? { maxStarting: Number(maxStarting) } : {}),
});
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the notebook servers`);
    controller.abort();
    servers.stopAll(5_000).finally(() => {
      client.close();
      process.exit(0);
    });
  });
}
servers
  .run(controller.signal, () =>
    log(`following user pods in ${namespace ? `namespace ${namespace}` : "every namespace"}`),
  )
  .catch((error: unknown) => {
    log(`fatal: ${(error as Error).stack}`);
    servers.stopAll(5_000).finally(() => process.exit(1));
  });
