/**
 * The simulated cluster's stand-in controllers as one process (started by the cluster, stopped
 * with it): `node --import tsx sim/provisioner.ts KUBECONFIG`. The storage provisioners
 * (sim/provision.ts) and the ingress controller's status writer (sim/ingress-status.ts).
 */

import { IngressStatusWriter } from "./ingress-status";
import { KubeClient } from "./kube-client";
import { readKubeconfig } from "./kubeconfig";
import { Provisioner, volumeRoot } from "./provision";

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
const fatal = (error: unknown) => {
  log(`fatal: ${(error as Error).stack}`);
  process.exit(1);
};
log(
  "serving claims of rancher.io/local-path and k8s-sigs.io/nfs-subdir-external-provisioner, and Ingress status",
);
new Provisioner(client, log, volumeRoot(kubeconfig)).run(controller.signal).catch(fatal);
new IngressStatusWriter(client, log).run(controller.signal).catch(fatal);
