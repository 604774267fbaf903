/**
 * npm run sim:up -- [--stack NAME] [--name NAME]
 * Starts a simulated cluster and leaves it running: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kwok and the storage provisioner on 127.0.0.1, the k3s defaults (RuntimeClass
 * nvidia, StorageClass local-path) and one fake node per node of the stack's inventory. State and
 * the admin kubeconfig in .work/sim/<name>/ (name defaults to the stack's). Nothing of the stack
 * is applied (npm run sim does that). Stop it with npm run sim:down.
 */
import { fail, parseCommandLine, runCommand } from "../cli/command";
import { startCluster } from "./cluster";
import { nodeTable } from "./report";
import { simConfig } from "./stack";

const USAGE = "usage: npm run sim:up -- [--stack NAME] [--name NAME]";

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    name: { type: "string" },
  });
  if (values.help) return void console.log(USAGE);
  const stack = values.stack as string;
  const name = (values.name as string | undefined) ?? stack;
  let config: ReturnType<typeof simConfig>;
  try {
    config = simConfig(stack);
  } catch (error) {
    fail((error as Error).message);
  }
  const log = (line: string) => console.log(`[sim:up] ${line}`);
  const cluster = await startCluster({ name, config, nodes: config.nodes, keep: true, log });
  console.log(`\n${await nodeTable(cluster.client)}\n`);
  console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
  console.log(
    `${cluster.tools.kubectl} get nodes    # the built kubectl ${cluster.tools.versions.kubernetes}`,
  );
  console.log(`npm run sim:down -- --name ${name}`);
  cluster.client.close();
});
