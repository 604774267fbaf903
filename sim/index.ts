/**
 * The simulated cluster's helpers, for scripts and tests that build on it (the hub-on-sim work, for
 * example). docs/sim.md describes each; the usual sequence is:
 *
 *   const config = simConfig("prod");
 *   const cluster = await startCluster({ name: "hub-e2e", config, nodes: config.nodes });
 *   await deployStack(cluster, config);          // apply the rendered stack, start the user scheduler
 *   process.env.KUBECONFIG = cluster.kubeconfig;  // or kubeconfigPath("hub-e2e"), or a ServiceAccount's
 *   ...
 *   await stopCluster("hub-e2e");
 */
export { applyRendered, readRendered } from "./apply";
export { fillProfile, playScenario } from "./classroom";
export {
  clusterDir,
  connectCluster,
  kubeconfigPath,
  type SimCluster,
  startCluster,
  stopCluster,
} from "./cluster";
export { type DeployReport, deployStack } from "./deploy";
export { k3sDefaultObjects } from "./k3s-defaults";
export { KubeClient, KubeError } from "./kube-client";
export { readKubeconfig, writeKubeconfig } from "./kubeconfig";
export { createNodes, fakeNode, nodeResourceList } from "./nodes";
export { type NotebookRunner, notebookServers, startNotebookRunner } from "./notebook-runner";
export { writeServiceAccountKubeconfig } from "./service-account";
export { Spawner, type SpawnResult } from "./spawn";
export { renderStack, simConfig } from "./stack";
export { ensureTools, toolPaths } from "./tools";
export { hubSettingsFrom, userServer } from "./user-pods";
export { startUserScheduler } from "./user-scheduler";
export { waitDeploymentsAvailable, workloadStates } from "./workloads";
