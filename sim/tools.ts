/**
 * The simulated cluster's binaries: built (or found in the machine-wide cache) by
 * sim/build-tools.sh, which is the one place that knows versions and paths.
 */
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";

export const SIM_DIR = __dirname;
export const BUILD_TOOLS = path.join(SIM_DIR, "build-tools.sh");

export interface SimTools {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
  readonly kubectl: string;
  readonly kwok: string;
  /** kwok's Stage objects (node and pod life cycles). */
  readonly kwokStages: string;
  readonly versions: { readonly kubernetes: string; readonly etcd: string; readonly kwok: string };
}

/** Paths from `build-tools.sh --list` (builds nothing). */
export function toolPaths(): SimTools {
  const result = spawnSync("bash", [BUILD_TOOLS, "--list"], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${BUILD_TOOLS} --list failed: ${result.stderr}`);
  const rows = new Map(
    result.stdout
      .trim()
      .split("\n")
      .map((line) => {
        const [name, version, file] = line.split(" ");
        return [name ?? "", { version: version ?? "", file: file ?? "" }] as const;
      }),
  );
  const get = (name: string) => {
    const row = rows.get(name);
    if (!row) throw new Error(`build-tools.sh --list has no ${name}`);
    return row;
  };
  return {
    etcd: get("etcd").file,
    kubeApiserver: get("kube-apiserver").file,
    kubeControllerManager: get("kube-controller-manager").file,
    kubeScheduler: get("kube-scheduler").file,
    kubectl: get("kubectl").file,
    kwok: get("kwok").file,
    kwokStages: get("kwok-stages").file,
    versions: {
      kubernetes: get("kube-apiserver").version,
      etcd: get("etcd").version,
      kwok: get("kwok").version,
    },
  };
}

/**
 * Makes sure every binary is there: a no-op when cached (0.1 s), else builds them with the script's
 * progress lines passed to `log` (a cold build takes 17 to 21 minutes on 2 cores).
 */
export async function ensureTools(log: (line: string) => void): Promise<SimTools> {
  const check = spawnSync("bash", [BUILD_TOOLS, "--check"]);
  if (check.status !== 0) {
    log("the simulated cluster's tools are not built yet: building them now (17 to 21 minutes on 2 cores)");
    await new Promise<void>((resolve, reject) => {
      const child = spawn("bash", [BUILD_TOOLS], { stdio: ["ignore", "pipe", "pipe"] });
      let pending = "";
      const onData = (chunk: Buffer) => {
        pending += chunk.toString("utf8");
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) log(line);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("error", reject);
      child.on("exit", (code) => {
        if (pending) log(pending);
        if (code === 0) resolve();
        else reject(new Error(`${BUILD_TOOLS} failed (exit ${code}); see its output above`));
      });
    });
  }
  return toolPaths();
}
