/**
 * The stack file a class deploys: the real one, copied, with one value changed. On a cluster every
 * notebook server starts on its node's own CPUs; here all of them share this machine's two cores, so
 * 150 servers starting at once take minutes to answer, longer than the hub's default wait
 * (`singleuser.httpTimeout`, 120 s from the pod running). The copy waits as long as a pod may take
 * to start (`singleuser.startTimeout`); everything else is the stack as written. With `usageGroup`
 * (`npm run class -- --usage`) usage accounting is on too, with a budget for the class's group that no
 * class exhausts, so every spawn is recorded and passes the budget check's read of the month.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { profilesDirOf } from "../../config/load";
import { PROJECT_ROOT } from "../cluster";

export interface ClassStackFile {
  readonly stackFile: string;
  readonly profilesDir: string;
  readonly httpTimeout: number;
}

/** The class's group's budget with accounting on: 10⁶ CU a month, far beyond any class. */
export const CLASS_USAGE_BUDGET = 1_000_000;

export function classStackFile(
  stack: string,
  dir: string,
  httpTimeout: number,
  usageGroup?: string,
): ClassStackFile {
  const original = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  const text = readFileSync(original, "utf8");
  const document = parseDocument(text);
  document.setIn(["config", "gpu-jupyterhub:singleuser", "httpTimeout"], httpTimeout);
  if (usageGroup) {
    document.setIn(["config", "gpu-jupyterhub:usage", "enabled"], true);
    document.setIn(["config", "gpu-jupyterhub:usage", "budgets"], { [usageGroup]: CLASS_USAGE_BUDGET });
  }
  mkdirSync(dir, { recursive: true });
  const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
  writeFileSync(stackFile, document.toString());
  return { stackFile, profilesDir: profilesDirOf(original, text), httpTimeout };
}
