/**
 * The engine proof: every step of the real-engine story on one fresh simulated cluster, measured.
 * preview with the policy pack → up → a second preview (empty) → what a profile edit, a secret
 * edit and a MIG layout edit would change → a user's files and the database's claim → destroy →
 * what is still there → up again → the user's files are back where the hub will look.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import { DATABASE_PASSWORD_KEY } from "../components/jupyterhub/secret-keys";
import { NAMES } from "../components/names";
import { PROJECT, profilesDirOf } from "../config/load";
import type { PlatformConfig } from "../config/schema/platform";
import type { SimCluster } from "../sim/cluster";
import { hubDatabaseUsers } from "../sim/hub-database";
import { secretValue, startHubDatabaseOn } from "../sim/live/database";
import { localVolumeDir, type Volume, volumeRoot } from "../sim/provision";
import { waitFor } from "../sim/wait";
import { type Change, destroy, preview, type StepResult, up } from "./operations";
import { openSimEngineStack } from "./sim-stack";
import type { EngineStack } from "./workspace";
import { PROJECT_ROOT } from "./workspace";

export interface EditResult {
  readonly what: string;
  /** The URN of every resource the preview would change. */
  readonly changed: readonly string[];
  /** URN → the operation the preview shows for it (update, replace, ...). */
  readonly ops: Readonly<Record<string, string>>;
  readonly seconds: number;
}

export interface EngineProof {
  readonly stack: string;
  readonly cli: string;
  readonly engineSource: string;
  readonly providers: Readonly<Record<string, string>>;
  readonly preview: { readonly create: number; readonly seconds: number };
  readonly up: { readonly created: number; readonly seconds: number };
  readonly secondPreview: { readonly changes: number; readonly seconds: number };
  readonly policy: { readonly violations: number };
  readonly profileEdit: EditResult;
  readonly secretEdit: EditResult;
  readonly migEdit?: EditResult;
  readonly destroy: { readonly deleted: number; readonly seconds: number; readonly kept: readonly string[] };
  readonly upAgain: { readonly created: number; readonly seconds: number };
  readonly userData: {
    /** The user's file, the home claim and (with the in-cluster database) the hub's users all survived. */
    readonly kept: boolean;
    readonly user: string;
    readonly claim: string;
    readonly file: string;
    readonly databaseClaim?: string;
    /** The users JupyterHub's own ORM finds in the database after destroy and up. */
    readonly hubUsers?: readonly string[];
    /** The generated database password was new after destroy and up (the init container set it). */
    readonly databasePasswordChanged?: boolean;
  };
}

interface Claim {
  metadata: { name: string; uid: string };
  spec: { volumeName?: string };
  status?: { phase?: string };
}

export const PROOF_USER = "engine-proof-user";

function edit(what: string, result: StepResult): EditResult {
  return {
    what,
    changed: result.changes.map((change: Change) => change.urn),
    ops: Object.fromEntries(result.changes.map((change) => [change.urn, change.op])),
    seconds: result.seconds,
  };
}

/** A copy of the profile folder with the first profile's description changed. */
function editedProfiles(from: string, to: string): { dir: string; file: string } {
  cpSync(from, to, { recursive: true });
  const file = readdirSync(to)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()[0];
  if (!file) throw new Error(`no profile file in ${from}`);
  const target = path.join(to, file);
  const document = parseDocument(readFileSync(target, "utf8"));
  document.set("description", `${String(document.get("description") ?? "")} (edited by the engine proof)`);
  writeFileSync(target, document.toString());
  return { dir: to, file };
}

/** A copy of the stack file whose first MIG node gets another layout: renamed, GPUs swapped. */
function editedMigStack(
  stackFile: string,
  to: string,
  config: PlatformConfig,
): { file: string; node: string } | undefined {
  const index = config.nodes.findIndex((node) => node.mig);
  const node = config.nodes[index];
  if (!node?.mig) return undefined;
  const document = parseDocument(readFileSync(stackFile, "utf8"));
  const mig = ["config", `${PROJECT}:nodes`, index, "mig"];
  document.setIn([...mig, "name"], `${node.mig.name}-b`);
  const gpuLists = node.mig.layout.map((entry) => entry.gpus);
  if (gpuLists.length > 1)
    node.mig.layout.forEach((_, i) => {
      document.setIn([...mig, "layout", i, "gpus"], gpuLists[(i + 1) % gpuLists.length]);
    });
  writeFileSync(to, document.toString());
  return { file: to, node: node.name };
}

async function boundClaim(cluster: SimCluster, namespace: string, name: string): Promise<Claim> {
  return waitFor(
    `claim ${namespace}/${name} Bound`,
    async () => {
      const claim = await cluster.client.find<Claim>(
        `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${name}`,
      );
      return claim?.status?.phase === "Bound" ? claim : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

async function volumeDirOf(cluster: SimCluster, claim: Claim): Promise<string> {
  const volume = await cluster.client.get<Volume>(`/api/v1/persistentvolumes/${claim.spec.volumeName}`);
  const dir = localVolumeDir(volumeRoot(cluster.kubeconfig), volume);
  if (!dir) throw new Error(`volume ${claim.spec.volumeName} has no local folder`);
  return dir;
}

/** The home claim KubeSpawner makes for a user (claim-<user> on the home StorageClass). */
async function createHomeClaim(cluster: SimCluster, config: PlatformConfig, user: string): Promise<Claim> {
  const namespace = config.cluster.namespace;
  const name = `claim-${user}`;
  await cluster.client.request("POST", `/api/v1/namespaces/${namespace}/persistentvolumeclaims`, {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name,
      labels: { app: "jupyterhub", component: "singleuser-storage", "hub.jupyter.org/username": user },
    },
    spec: {
      accessModes: ["ReadWriteMany"],
      storageClassName: config.storage.storageClass.name,
      resources: { requests: { storage: config.storage.home.size } },
    },
  });
  return boundClaim(cluster, namespace, name);
}

/** Runs the database pod's PostgreSQL on the database claim's folder (sim/live/database.ts). */
async function withHubDatabase<T>(
  cluster: SimCluster,
  namespace: string,
  claim: Claim,
  use: (url: string) => T,
): Promise<{ result: T; password: string }> {
  const folder = await volumeDirOf(cluster, claim);
  const password = await secretValue(cluster, namespace, NAMES.hubDatabaseSecret, DATABASE_PASSWORD_KEY);
  const server = await startHubDatabaseOn(folder, password);
  try {
    return { result: use(server.url), password };
  } finally {
    await server.stop();
  }
}

export interface ProofOptions {
  readonly cluster: SimCluster;
  readonly stack: string;
  readonly config: PlatformConfig;
  readonly log: (line: string) => void;
}

export async function runEngineProof({ cluster, stack, config, log }: ProofOptions): Promise<EngineProof> {
  const stackFile = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
  const profilesDir = profilesDirOf(stackFile, readFileSync(stackFile, "utf8"));
  const base = { name: cluster.name, stack, kubeconfig: cluster.kubeconfig, profilesDir, log };
  let engine: EngineStack = await openSimEngineStack({ ...base, fresh: true });
  const say = (result: StepResult) =>
    log(`${result.step}: ${JSON.stringify(result.counts)} in ${result.seconds.toFixed(1)} s`);

  const first = await preview(engine);
  say(first);
  const deployed = await up(engine);
  say(deployed);
  const second = await preview(engine, "second-preview");
  say(second);

  const profiles = editedProfiles(profilesDir, path.join(engine.dir, "profiles-edited"));
  engine = await openSimEngineStack({ ...base, profilesDir: profiles.dir });
  const profileEdit = edit(`description of ${profiles.file}`, await preview(engine, "profile-edit"));
  log(`profile edit: ${JSON.stringify(profileEdit.ops)}`);

  engine = await openSimEngineStack({
    ...base,
    secrets: { oauthClientSecret: "changed-by-the-engine-proof" },
  });
  const secretEdit = edit("oauthClientSecret", await preview(engine, "secret-edit"));
  log(`secret edit: ${JSON.stringify(secretEdit.ops)}`);

  let migEdit: EditResult | undefined;
  const mig = editedMigStack(stackFile, path.join(engine.dir, `Pulumi.${stack}.mig-edit.yaml`), config);
  if (mig) {
    engine = await openSimEngineStack({ ...base, stackFile: mig.file });
    migEdit = edit(`MIG layout of ${mig.node}`, await preview(engine, "mig-edit"));
    log(`MIG edit: ${JSON.stringify(migEdit.ops)}`);
  }
  engine = await openSimEngineStack(base);

  // A user with files, and the database's claim, before destroy.
  const namespace = config.cluster.namespace;
  const home = await createHomeClaim(cluster, config, PROOF_USER);
  const file = path.join(await volumeDirOf(cluster, home), "notebooks", "proof.txt");
  const content = `written by ${PROOF_USER} before pulumi destroy, ${new Date().toISOString()}\n`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  const database =
    config.database.type === "postgres"
      ? await boundClaim(cluster, namespace, `data-${NAMES.hubDatabase}-0`)
      : undefined;
  const before = database
    ? await withHubDatabase(cluster, namespace, database, (url) => hubDatabaseUsers(url, [PROOF_USER]))
    : undefined;
  if (before) log(`the hub's database knows ${before.result.join(", ")} (JupyterHub's ORM on PostgreSQL)`);

  const removed = await destroy(engine);
  say(removed);
  const kept: string[] = [];
  if (await cluster.client.find(`/api/v1/namespaces/${namespace}`)) kept.push(`namespace ${namespace}`);
  const sameClaim = async (claim: Claim) => {
    const now = await cluster.client.find<Claim>(
      `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claim.metadata.name}`,
    );
    return now?.metadata.uid === claim.metadata.uid && now.spec.volumeName === claim.spec.volumeName;
  };
  if (await sameClaim(home)) kept.push(`claim ${home.metadata.name}`);
  if (database && (await sameClaim(database))) kept.push(`claim ${database.metadata.name}`);
  if (await cluster.client.find(`/apis/storage.k8s.io/v1/storageclasses/${config.storage.storageClass.name}`))
    kept.push(`storageclass ${config.storage.storageClass.name}`);
  if (
    config.storage.datasets.enabled &&
    (await cluster.client.find(`/api/v1/persistentvolumes/${NAMES.datasetsVolume}`))
  )
    kept.push(`volume ${NAMES.datasetsVolume}`);

  const again = await up(engine, "up-again");
  say(again);
  const homeAfter = await boundClaim(cluster, namespace, home.metadata.name);
  const fileAfter = path.join(await volumeDirOf(cluster, homeAfter), "notebooks", "proof.txt");
  const after = database
    ? await withHubDatabase(cluster, namespace, database, (url) => hubDatabaseUsers(url))
    : undefined;
  if (after) log(`after destroy and up, the hub's database knows ${after.result.join(", ")}`);
  const userDataKept =
    homeAfter.metadata.uid === home.metadata.uid &&
    existsSync(fileAfter) &&
    readFileSync(fileAfter, "utf8") === content &&
    (!database || ((await sameClaim(database)) && (after?.result.includes(PROOF_USER) ?? false)));

  const count = (result: StepResult, op: string) => result.counts[op] ?? 0;
  return {
    stack,
    cli: engine.tools.cliVersion,
    engineSource: engine.tools.source,
    providers: {
      kubernetes: engine.tools.kubernetesProvider?.version ?? "installed",
      ...(engine.tools.source === "pinned" ? { random: "test stand-in", tls: "test stand-in" } : {}),
    },
    preview: { create: count(first, "create"), seconds: first.seconds },
    up: { created: count(deployed, "create"), seconds: deployed.seconds },
    secondPreview: { changes: second.changes.length, seconds: second.seconds },
    policy: { violations: first.policyViolations.length + deployed.policyViolations.length },
    profileEdit,
    secretEdit,
    ...(migEdit ? { migEdit } : {}),
    destroy: { deleted: count(removed, "delete"), seconds: removed.seconds, kept },
    upAgain: { created: count(again, "create"), seconds: again.seconds },
    userData: {
      kept: userDataKept,
      user: PROOF_USER,
      claim: home.metadata.name,
      file: path.relative(PROJECT_ROOT, fileAfter),
      ...(database ? { databaseClaim: database.metadata.name } : {}),
      ...(after
        ? { hubUsers: after.result, databasePasswordChanged: after.password !== before?.password }
        : {}),
    },
  };
}
