/**
 * Starting users' servers the way KubeSpawner does, and seeing what became of each: the claim
 * first (refused when the claim quota is used up), then the pod (refused by the quota, or created);
 * a created pod either runs (kwok makes it Running once a scheduler bound it) or stays Pending
 * because no node fits (the scheduler's PodScheduled=False, reason Unschedulable). The claim is
 * waited for until Bound before the pod is created, so "Pending" never means "storage not ready".
 *
 * A verdict counts only when the scheduler made it on the state the pod was created in. Its pods
 * come from one watch, in order, so it meets a new pod after every pod deleted before it; its
 * claims come from another watch, so on a loaded machine it can meet the pod before the claim's
 * binding and answer "pod has unbound immediate PersistentVolumeClaims". Such a verdict names the
 * claim (`verdictBeforeBinding`), does not count, and the scheduler's next attempt does: its
 * VolumeBinding plugin re-queues the pod when the claim's or volume's event reaches it.
 */
import { type KubeClient, KubeError } from "./kube-client";
import { Tracker } from "./tracker";
import type { UserServer } from "./user-pods";
import { sleep, waitFor } from "./wait";

export type SpawnOutcome =
  | { readonly kind: "running"; readonly node: string }
  | { readonly kind: "pending"; readonly reason: string }
  | { readonly kind: "refused"; readonly reason: string };

export interface SpawnResult {
  readonly user: string;
  readonly slug: string;
  readonly outcome: SpawnOutcome;
}

interface Pod {
  metadata: { name: string };
  spec: {
    nodeName?: string;
    schedulerName?: string;
  };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

interface Claim {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string };
}

interface Quota {
  status?: { used?: Record<string, string> };
}

const unschedulable = (pod: Pod) =>
  pod.status?.conditions?.find(
    (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
  );

/**
 * True when the scheduler's message says it has not yet seen the claim Bound or its volume: the
 * claim missing (`persistentvolumeclaim "<name>" not found`) or unbound ("pod has unbound immediate
 * PersistentVolumeClaims", VolumeBinding; "PersistentVolume had no name", VolumeZone), or its
 * volume missing (`persistentvolume "<name>" not found`, VolumeZone; "bound to non-existent pv(s)"
 * and "bound to non-existent persistentvolume", VolumeBinding) (kube-scheduler 1.37,
 * pkg/scheduler/framework/plugins/{volumebinding,volumezone}). Asked only once the claim is Bound
 * (so its volume exists), such a verdict is older than the binding.
 */
export function verdictBeforeBinding(message: string): boolean {
  return /persistentvolume(claim)? "[^"]*" not found|unbound immediate PersistentVolumeClaims|PersistentVolume had no name|bound to non-existent (pv|persistentvolume)/.test(
    message,
  );
}

/**
 * How long a pod may wait for the scheduler's verdict before the wait fails: the scheduler's own
 * last resort for a pod whose event it missed is to retry every pod that has been unschedulable
 * for 5 minutes (podMaxInUnschedulablePodsDuration, checked every 30 s), after a backoff of at most
 * 10 s (pkg/scheduler/backend/queue). Normally the verdict comes within a second.
 */
const VERDICT_TIMEOUT_MS = (5 * 60 + 30 + 10 + 20) * 1000;

/** A verdict the scheduler gave before it saw the claim's binding, and that did not count. */
export interface EarlyVerdict {
  readonly pod: string;
  readonly message: string;
}

export const POD_LABEL = "component=singleuser-server";
export const CLAIM_LABEL = "component=singleuser-storage";

export class Spawner {
  private readonly pods: Tracker<Pod>;
  private readonly claims: Tracker<Claim>;
  private baseline?: Record<string, string>;
  private starting?: Promise<void>;
  /** Verdicts given before the scheduler saw a claim's binding, superseded by its next attempt. */
  readonly earlyVerdicts: EarlyVerdict[] = [];

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
    private readonly quotaName?: string,
  ) {
    this.pods = new Tracker<Pod>(client, `/api/v1/namespaces/${namespace}/pods?labelSelector=${POD_LABEL}`);
    this.claims = new Tracker<Claim>(
      client,
      `/api/v1/namespaces/${namespace}/persistentvolumeclaims?labelSelector=${CLAIM_LABEL}`,
    );
  }

  private async quotaUsed(): Promise<Record<string, string> | undefined> {
    if (!this.quotaName) return undefined;
    const quota = await this.client.get<Quota>(
      `/api/v1/namespaces/${this.namespace}/resourcequotas/${this.quotaName}`,
    );
    return quota.status?.used;
  }

  /**
   * Creates the object; answers the refusal message when admission forbids it. Concurrent creates
   * race for the quota's usage record: the API server then answers 409 on the ResourceQuota, and
   * the create is simply tried again.
   */
  private async create(path: string, object: unknown): Promise<string | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.create(path, object);
        return undefined;
      } catch (error) {
        if (!(error instanceof KubeError)) throw error;
        if (error.status === 403) return error.body.message ?? "forbidden";
        const quotaConflict =
          error.status === 409 &&
          (error.body as { details?: { kind?: string } }).details?.kind === "resourcequotas";
        if (!quotaConflict || attempt >= 20) throw error;
        await sleep(50 * attempt);
      }
    }
  }

  /** Once: the watches have listed, and the quota's usage before any user is recorded. */
  private started(): Promise<void> {
    this.starting ??= Promise.all([this.pods.ready(), this.claims.ready()]).then(async () => {
      this.baseline = await this.quotaUsed();
    });
    return this.starting;
  }

  async spawn(server: UserServer): Promise<SpawnResult> {
    await this.started();
    const base = `/api/v1/namespaces/${this.namespace}`;
    const result = (outcome: SpawnOutcome): SpawnResult => ({
      user: server.user,
      slug: server.slug,
      outcome,
    });
    if (!this.claims.get(server.claim.metadata.name)) {
      const refused = await this.create(`${base}/persistentvolumeclaims`, server.claim);
      if (refused) return result({ kind: "refused", reason: `claim: ${refused}` });
    }
    await this.claimBound(server.claim.metadata.name);
    const refused = await this.create(`${base}/pods`, server.pod);
    if (refused) return result({ kind: "refused", reason: `pod: ${refused}` });
    return result(await this.outcome(server));
  }

  private claimBound(name: string): Promise<Claim> {
    return this.claims.until(name, (c) => c.status?.phase === "Bound", 60_000, "to be Bound");
  }

  /**
   * What became of a user's created pod: waits until the user's claim is Bound, then for the
   * scheduler's verdict on that state: Running on a node, or Unschedulable for a reason other than
   * a claim it has not seen bound (such a verdict is recorded in `earlyVerdicts` and waited past).
   */
  async outcome(server: UserServer): Promise<SpawnOutcome> {
    await this.started();
    const podName = server.pod.metadata.name;
    await this.claimBound(server.claim.metadata.name);
    const pod = await this.pods.until(
      podName,
      (p) => {
        if (p.status?.phase === "Running") return true;
        const verdict = unschedulable(p);
        if (!verdict) return false;
        if (!verdictBeforeBinding(verdict.message ?? "")) return true;
        if (!this.earlyVerdicts.some((e) => e.pod === podName && e.message === verdict.message))
          this.earlyVerdicts.push({ pod: podName, message: verdict.message ?? "" });
        return false;
      },
      VERDICT_TIMEOUT_MS,
      "to run or be found unschedulable once its claim is Bound",
    );
    const stuck = unschedulable(pod);
    if (stuck || !pod.spec.nodeName) return { kind: "pending", reason: stuck?.message ?? "not scheduled" };
    return { kind: "running", node: pod.spec.nodeName };
  }

  /** Spawns `servers` with up to `concurrency` at a time; results in the order given. */
  async spawnAll(servers: readonly UserServer[], concurrency = 16): Promise<SpawnResult[]> {
    const results: SpawnResult[] = new Array(servers.length);
    let next = 0;
    const worker = async () => {
      while (next < servers.length) {
        const index = next++;
        results[index] = await this.spawn(servers[index] as UserServer);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, servers.length) }, worker));
    return results;
  }

  /** Where each running user pod is: node name → pod names. */
  placement(): Map<string, string[]> {
    const byNode = new Map<string, string[]>();
    for (const name of this.pods.names()) {
      const node = this.pods.get(name)?.spec.nodeName;
      if (node) byNode.set(node, [...(byNode.get(node) ?? []), name]);
    }
    return byNode;
  }

  /** Users who own a home claim (KubeSpawner's label hub.jupyter.org/username on the claim). */
  claimOwners(): string[] {
    return this.claims
      .names()
      .map((name) => this.claims.get(name)?.metadata.labels?.["hub.jupyter.org/username"])
      .filter((user): user is string => user !== undefined);
  }

  pod(name: string): Pod | undefined {
    return this.pods.get(name);
  }

  /**
   * Stops every user's server: deletes the pods and waits until the quota's pod usage is back to
   * what it was before the first spawn. Claims stay, as they do when real users stop their servers.
   */
  async stopServers(): Promise<void> {
    const base = `/api/v1/namespaces/${this.namespace}`;
    await this.client.call("DELETE", `${base}/pods?labelSelector=${POD_LABEL}`, { gracePeriodSeconds: 0 });
    await waitFor(
      "user pods to be gone",
      async () => (await this.client.list(`${base}/pods?labelSelector=${POD_LABEL}`)).length === 0,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    await this.quotaBackToBaseline((resource) => resource !== "persistentvolumeclaims");
  }

  /** Stops every server and deletes every user claim, and the volumes that were bound to them. */
  async removeAll(): Promise<void> {
    await this.stopServers();
    const base = `/api/v1/namespaces/${this.namespace}`;
    await this.client.call("DELETE", `${base}/persistentvolumeclaims?labelSelector=${CLAIM_LABEL}`, {});
    await waitFor(
      "user claims to be gone",
      async () =>
        (await this.client.list(`${base}/persistentvolumeclaims?labelSelector=${CLAIM_LABEL}`)).length === 0,
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    interface Volume {
      metadata: { name: string };
      spec: { claimRef?: { namespace?: string; name?: string } };
      status?: { phase?: string };
    }
    const released = (await this.client.list<Volume>("/api/v1/persistentvolumes")).filter(
      (volume) => volume.spec.claimRef?.namespace === this.namespace && volume.status?.phase === "Released",
    );
    await Promise.all(
      released.map((volume) => this.client.remove(`/api/v1/persistentvolumes/${volume.metadata.name}`)),
    );
    await this.quotaBackToBaseline(() => true);
  }

  private async quotaBackToBaseline(counts: (resource: string) => boolean): Promise<void> {
    const baseline = this.baseline;
    if (!baseline) return;
    await waitFor(
      "the quota's usage to drop back",
      async () => {
        const used = (await this.quotaUsed()) ?? {};
        return Object.entries(baseline).every(
          ([resource, value]) => !counts(resource) || used[resource] === value,
        );
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
  }

  stop(): void {
    this.pods.stop();
    this.claims.stop();
  }
}
