/**
 * The simulated cluster's storage provisioner as a process (started by the cluster, stopped with
 * it): `node --import tsx sim/provisioner.ts KUBECONFIG`. What it does: sim/provision.ts.
 */
import { KubeClient } from "./kube-client";
import { readKubeconfig } from "./kubeconfig";
import { Provisioner } from "./provision";

const kubeconfig = process.argv[2];
if (!kubeconfig) {
  process.stderr.write("usage: node --import tsx sim/provisioner.ts KUBECONFIG\n");
  process.exit(2);
}
const client = new KubeClient(readKubeconfig(kubeconfig));
const controller = new AbortController();
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    controller.abort();
    client.close();
    process.exit(0);
  });
}
log("serving claims of rancher.io/local-path and k8s-sigs.io/nfs-subdir-external-provisioner");
new Provisioner(client, log).run(controller.signal).catch((error: unknown) => {
  log(`fatal: ${(error as Error).stack}`);
  process.exit(1);
});
