import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { clusterDir, PROJECT_ROOT } from "./cluster";
import { NOTEBOOKS_FILE, type ServerState } from "./notebook-servers";
import { type ProcessRecord, startProcess, stopProcess } from "./processes";
import { ensureVenv } from "./python-env";
import { SIM_DIR } from "./tools";
import { waitFor } from "./wait";

export const SINGLEUSER_VENV = path.join(PROJECT_ROOT, ".work", "singleuser-venv");
export const SINGLEUSER_REQUIREMENTS = path.join(SIM_DIR, "singleuser", "requirements.txt");

/**
 * Options every server gets after the container's own. Here, unlike in the image, the servers run
 * as this machine's user, and jupyter-server refuses root without --allow-root.
 */
export const RUNNER_ARGS: readonly string[] = process.getuid?.() === 0 ? ["--ServerApp.allow_root=True"] : [];
/**
 * Environment every server gets on top of the pod's: sim/singleuser/jupyter_server_config.json as
 * a system config directory (where the image has /etc/jupyter), which keeps JupyterLab from reaching
 * the internet (news feed, update check, PyPI for the extension manager): tests and the class run
 * offline, and none of it is what the sim measures.
 */
export const RUNNER_ENV: Readonly<Record<string, string>> = {
  JUPYTER_CONFIG_PATH: path.join(SIM_DIR, "singleuser"),
};

/** Makes or reuses .work/singleuser-venv (tools/python-env.sh); about 40 s and 360 MB the first time. */
export function ensureSingleuserVenv(): string {
  return ensureVenv(SINGLEUSER_VENV, SINGLEUSER_REQUIREMENTS);
}

export interface NotebookRunner {
  readonly record: ProcessRecord;
  /** The servers running now (`.work/sim/<name>/notebooks.json`). */
  servers(): ServerState[];
  /** Stops the runner and with it every server it started. */
  stop(): Promise<void>;
}

export interface RunnerStartOptions {
  /** The user pods' namespace (the stack's cluster.namespace); every namespace when not given. */
  readonly namespace?: string;
  /**
   * Servers starting at once; the others wait in order. Default 0, no limit: every Running pod's
   * server starts at once, as on a cluster. A start is CPU-bound (about 2.7 CPU seconds), so on 2
   * cores 20 at once all answer after 40 to 50 s; a limit lets the first answer sooner and the last
   * later (with other jobs on the machine, much later: 20 with a limit of 2 took 121 s).
   */
  readonly maxStarting?: number;
  readonly log?: (line: string) => void;
}

/** The servers the runner of the cluster in `dir` has running. */
export function notebookServers(dir: string): ServerState[] {
  const file = path.join(dir, NOTEBOOKS_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ServerState[]) : [];
}

/**
 * Starts the notebook runner for a running cluster (a SimCluster, or a cluster's name, e.g. after
 * npm run sim:up) and waits until it follows the namespace's user pods.
 */
export async function startNotebookRunner(
  cluster: { readonly dir: string; readonly kubeconfig: string } | string,
  options: RunnerStartOptions = {},
): Promise<NotebookRunner> {
  const dir = typeof cluster === "string" ? clusterDir(cluster) : cluster.dir;
  const kubeconfig = typeof cluster === "string" ? path.join(dir, "kubeconfig") : cluster.kubeconfig;
  const venv = ensureSingleuserVenv();
  const script = path.join(SIM_DIR, "notebook-runner-main.ts");
  const record = startProcess(
    dir,
    "notebook-runner",
    process.execPath,
    [
      "--import",
      "tsx",
      script,
      kubeconfig,
      venv,
      ...(options.namespace ? [options.namespace] : []),
      ...(options.maxStarting !== undefined ? [`--max-starting=${options.maxStarting}`] : []),
    ],
    { match: script, cwd: PROJECT_ROOT }, // `--import tsx` resolves from the working directory
  );
  await waitFor(
    "the notebook runner to follow user pods",
    () => existsSync(record.log) && readFileSync(record.log, "utf8").includes("following user pods"),
    { timeoutMs: 60_000, processes: [record] },
  );
  options.log?.(
    `notebook runner (pid ${record.pid}) following user pods in ${options.namespace ?? "every namespace"}`,
  );
  return {
    record,
    servers: () => notebookServers(dir),
    stop: async () => {
      await stopProcess(record);
    },
  };
}
