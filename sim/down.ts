/**
 * npm run sim:down -- [--name NAME | --all]
 * Stops a simulated cluster's processes, last started first (user scheduler, provisioner, kwok,
 * kube-scheduler, kube-controller-manager, kube-apiserver, etcd). Its directory stays (logs); the
 * next sim:up of the same name starts afresh.
 */
import { existsSync, readdirSync } from "node:fs";
import { parseCommandLine, runCommand } from "../cli/command";
import { SIM_STATE_ROOT, stopCluster } from "./cluster";

const USAGE = "usage: npm run sim:down -- [--name NAME | --all]";

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    name: { type: "string", default: "prod" },
    all: { type: "boolean", default: false },
  });
  if (values.help) return void console.log(USAGE);
  const names = values.all
    ? existsSync(SIM_STATE_ROOT)
      ? readdirSync(SIM_STATE_ROOT)
      : []
    : [values.name as string];
  for (const name of names) await stopCluster(name, (line) => console.log(`[sim:down] ${line}`));
});
