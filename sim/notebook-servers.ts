/**
 * The notebook runner's work (sim/notebook-runner-main.ts is its process): it follows the user pods
 * of a namespace (label component=singleuser-server) and, for each pod that is Running with an IP,
 * starts the pod's real notebook server (sim/notebook-plan.ts) once, keyed by the pod's UID. A server
 * that ends by itself is started again as a kubelet restarts a container (the pod's restartPolicy:
 * KubeSpawner's pods say OnFailure; back-off 10 s, doubled each time, at most 300 s) while its pod
 * still runs: a server that gave up on an unreachable hub comes back. When the pod is being deleted,
 * is gone or stops running, the server gets SIGTERM, then SIGKILL after the pod's grace period, as a
 * kubelet does. Each server runs in its own process group through sim/singleuser/launch.py, which
 * makes the kernel stop it if the runner dies. One log per server:
 * `.work/sim/<name>/logs/notebooks/<pod>.log`; the servers' state in `.work/sim/<name>/notebooks.json`
 * (pod, uid, pid, url, seconds to the first HTTP answer, RSS then).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { KubeClient, WatchEvent } from "./kube-client";
import { type NotebookPod, type ServerPlan, serverPlan } from "./notebook-plan";
import { containerEnv, localMounts } from "./notebook-pod";
import { answers, rssMiB, StartSlots } from "./notebook-process";
import { backOffMs, restartsAfterExit } from "./restart-policy";
import { POD_LABEL } from "./spawn";
import { sleep } from "./wait";

export const NOTEBOOKS_FILE = "notebooks.json";
const RUNNER_STOPPING = "runner stopping";
const LAUNCH = path.join(__dirname, "singleuser", "launch.py");

export interface RunnerOptions {
  readonly client: KubeClient;
  /** The user pods' namespace; every namespace when not given. */
  readonly namespace?: string;
  /** The cluster's folder, `.work/sim/<name>`. */
  readonly dir: string;
  readonly venv: string;
  readonly log: (line: string) => void;
  /** Longest wait between SIGTERM and SIGKILL, whatever the pod's grace period says. */
  readonly maxGraceMs?: number;
  readonly extraArgs?: readonly string[];
  readonly extraEnv?: Readonly<Record<string, string>>;
  /**
   * Servers starting at once (started, not answering yet); the others wait for a slot, in order.
   * Default 0: no limit, as kubelets start every pod at once. See docs/sim.md, "Notebook servers".
   */
  readonly maxStarting?: number;
}

export interface ServerState {
  readonly pod: string;
  readonly uid: string;
  readonly pid: number;
  readonly url: string;
  readonly log: string;
  /** Seconds the pod waited for a start slot (maxStarting). */
  readonly queuedSeconds: number;
  /** Seconds from start to the first HTTP answer under the prefix, once there is one. */
  answeredSeconds?: number;
  /** The server process's RSS in MiB when it first answered. */
  rssMiB?: number;
  exited?: string;
}

interface Server {
  readonly state: ServerState;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** The pod's own folder: its emptyDirs and its "container filesystem", removed with the pod. */
  readonly podDir: string;
  stopping?: Promise<void>;
}

export class NotebookServers {
  private readonly servers = new Map<string, Server>();
  /** Every UID a server was started (or refused) for: never started twice. */
  private readonly handled = new Set<string>();
  /** Pods that stopped running or went away while their server was being prepared. */
  private readonly gone = new Set<string>();
  private readonly slots: StartSlots;
  /** The newest object of each running pod (a restart starts from it) and its restarts so far. */
  private readonly running = new Map<string, NotebookPod>();
  private readonly restarts = new Map<string, number>();
  private closing = false;

  constructor(private readonly options: RunnerOptions) {
    this.slots = new StartSlots(options.maxStarting ?? 0);
  }

  private get stateFile(): string {
    return path.join(this.options.dir, NOTEBOOKS_FILE);
  }

  private save(): void {
    const states = [...this.servers.values()].map((server) => server.state);
    writeFileSync(this.stateFile, `${JSON.stringify(states, null, 2)}\n`);
  }

  private async start(pod: NotebookPod): Promise<void> {
    const { name, uid } = pod.metadata;
    this.handled.add(uid);
    const podDir = path.join(this.options.dir, "notebooks", `${name}-${uid}`);
    const logDir = path.join(this.options.dir, "logs", "notebooks");
    mkdirSync(logDir, { recursive: true });
    let plan: ServerPlan;
    try {
      plan = serverPlan(pod, {
        venv: this.options.venv,
        env: await containerEnv(this.options.client, pod),
        mounts: await localMounts(this.options.client, pod, this.options.dir, podDir),
        rootfs: path.join(podDir, "rootfs"),
        ...(this.options.extraArgs ? { extraArgs: this.options.extraArgs } : {}),
        ...(this.options.extraEnv ? { extraEnv: this.options.extraEnv } : {}),
      });
    } catch (error) {
      this.options.log(`${name} (${uid}): not started: ${(error as Error).message}`);
      return;
    }
    const queued = Date.now();
    await this.slots.take();
    if (this.gone.has(uid)) return this.slots.release(); // deleted meanwhile
    mkdirSync(plan.cwd, { recursive: true });
    const log = path.join(logDir, `${name}.log`);
    const out = openSync(log, "a");
    writeFileSync(out, `=== ${new Date().toISOString()} pod ${name} uid ${uid} on ${plan.ip}:${plan.port}\n`);
    const started = Date.now();
    const python = path.join(this.options.venv, "bin", "python");
    const child = spawn(python, [LAUNCH, String(process.pid), plan.command, ...plan.args], {
      cwd: plan.cwd,
      env: plan.env,
      detached: true, // its own process group, so a stop reaches everything it started
      stdio: ["ignore", out, out],
    });
    const pid = child.pid ?? -1;
    const url = `http://${plan.ip}:${plan.port}${plan.prefix}`;
    const state: ServerState = { pod: name, uid, pid, url, log, queuedSeconds: (started - queued) / 1000 };
    const exited = new Promise<void>((resolve) => {
      const end = (how: string, code: number | null) => {
        if (state.exited) return;
        state.exited = how;
        const stopped = this.servers.get(uid)?.stopping !== undefined; // we stopped it: no restart
        this.options.log(`${name}: server (pid ${pid}) exited with ${how}`);
        this.servers.delete(uid);
        this.save();
        resolve();
        if (!stopped) this.restartLater(uid, code);
      };
      child.on("error", (error) => end(`an error: ${error.message}`, null));
      child.on("exit", (code, signal) => end(`${code ?? signal}`, code));
    });
    this.servers.set(uid, { state, child, exited, podDir });
    this.save();
    this.options.log(`${name} (${uid}): started jupyterhub-singleuser (pid ${pid}) on ${url}`);
    if (plan.postStart) this.postStart(plan, out);
    void this.watchFirstAnswer(uid, `${url}api`, started);
  }

  /** A server that ended by itself starts again after the kubelet's back-off, by its pod's restartPolicy. */
  private restartLater(uid: string, code: number | null): void {
    const pod = this.running.get(uid);
    if (!pod || this.closing || this.gone.has(uid) || !restartsAfterExit(pod.spec.restartPolicy, code))
      return;
    const count = (this.restarts.get(uid) ?? 0) + 1;
    this.restarts.set(uid, count);
    this.options.log(`${pod.metadata.name}: restart ${count} of its server in ${backOffMs(count) / 1000} s`);
    setTimeout(() => {
      const current = this.running.get(uid);
      if (!current || this.closing || this.gone.has(uid) || this.servers.has(uid)) return;
      this.start(current).catch((error: Error) =>
        this.options.log(`${current.metadata.name}: ${error.message}`),
      );
    }, backOffMs(count)).unref();
  }

  /** The container's postStart exec hook, as the kubelet runs it once the container started. */
  private postStart(plan: ServerPlan, out: number): void {
    const [command, ...args] = plan.postStart ?? [];
    if (!command) return;
    spawn(command, args, { cwd: plan.cwd, env: plan.env, stdio: ["ignore", out, out] }).on("error", (error) =>
      writeFileSync(out, `postStart hook failed: ${error.message}\n`),
    );
  }

  /** Polls the server until it answers (its start slot is freed then, or when it exits first). */
  private async watchFirstAnswer(uid: string, url: string, started: number): Promise<void> {
    for (;;) {
      const server = this.servers.get(uid);
      if (!server) return this.slots.release();
      if (await answers(url)) {
        this.slots.release();
        server.state.answeredSeconds = (Date.now() - started) / 1000;
        server.state.rssMiB = rssMiB(server.state.pid);
        this.options.log(
          `${server.state.pod}: answering after ${server.state.answeredSeconds.toFixed(1)} s (RSS ${server.state.rssMiB} MiB)`,
        );
        this.save();
        return;
      }
      await sleep(100);
    }
  }

  /**
   * SIGTERM to the server's process group, SIGKILL after `graceMs`; then the pod's own folder goes,
   * unless the runner is only stopping (the pod is still there).
   */
  stop(uid: string, graceMs: number, why: string): Promise<void> {
    const server = this.servers.get(uid);
    if (!server) return Promise.resolve();
    server.stopping ??= this.terminate(server, graceMs, why).then(() => {
      if (why !== RUNNER_STOPPING) rmSync(server.podDir, { recursive: true, force: true });
    });
    return server.stopping;
  }

  private async terminate(server: Server, graceMs: number, why: string): Promise<void> {
    const { pod, pid } = server.state;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-pid, name);
      } catch {
        // already gone
      }
    };
    this.options.log(`${pod}: stopping its server (pid ${pid}): ${why}`);
    signal("SIGTERM");
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs));
    if ((await Promise.race([server.exited, timer])) === "timeout") {
      this.options.log(`${pod}: server still running ${graceMs / 1000} s after SIGTERM: SIGKILL`);
      signal("SIGKILL");
      await server.exited;
    }
  }

  private grace(pod: NotebookPod): number {
    const seconds = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    return Math.min(seconds * 1000, this.options.maxGraceMs ?? 30_000);
  }

  async onEvent(event: WatchEvent<NotebookPod>): Promise<void> {
    const pod = event.object;
    const { uid } = pod.metadata;
    const running = pod.status?.phase === "Running" && !!pod.status.podIP && !pod.metadata.deletionTimestamp;
    if (event.type !== "DELETED" && running) {
      this.running.set(uid, pod);
      const server = this.servers.get(uid);
      if (server && !server.state.url.startsWith(`http://${pod.status?.podIP}:`))
        this.options.log(`${pod.metadata.name}: pod IP changed to ${pod.status?.podIP}; keeping the server`);
      // Not awaited: a class's pods start side by side; `handled` keeps each UID to one server.
      if (!this.handled.has(uid))
        this.start(pod).catch((error: Error) => this.options.log(`${pod.metadata.name}: ${error.message}`));
      return;
    }
    this.running.delete(uid);
    if (this.handled.has(uid)) this.gone.add(uid);
    if (this.servers.has(uid)) {
      const why =
        event.type === "DELETED"
          ? "pod deleted"
          : pod.metadata.deletionTimestamp
            ? "pod deleting"
            : `pod ${pod.status?.phase}`;
      void this.stop(uid, this.grace(pod), why);
    }
  }

  /** After each (re)list: servers whose pod is no longer there are stopped. */
  onListed(pods: readonly NotebookPod[]): void {
    const present = new Set(pods.map((pod) => pod.metadata.uid));
    for (const uid of this.handled) if (!present.has(uid)) this.gone.add(uid);
    for (const uid of this.running.keys()) if (!present.has(uid)) this.running.delete(uid);
    for (const uid of this.servers.keys())
      if (!present.has(uid)) void this.stop(uid, this.options.maxGraceMs ?? 30_000, "pod gone");
  }

  /** Follows the namespace's user pods until `signal` aborts. */
  run(signal: AbortSignal, onListed?: () => void): Promise<void> {
    writeFileSync(this.stateFile, "[]\n");
    let listed = false;
    return this.options.client.watch<NotebookPod>(
      `/api/v1/${this.options.namespace ? `namespaces/${this.options.namespace}/` : ""}pods?labelSelector=${POD_LABEL}`,
      (event) => this.onEvent(event),
      signal,
      (pods) => {
        this.onListed(pods);
        if (!listed) onListed?.();
        listed = true;
      },
    );
  }

  /** Stops every server (the runner is exiting). */
  async stopAll(graceMs: number): Promise<void> {
    this.closing = true;
    await Promise.all([...this.servers.keys()].map((uid) => this.stop(uid, graceMs, RUNNER_STOPPING)));
  }
}
