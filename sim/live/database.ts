/**
 * The hub database's pod run for real (kwok runs none) on its claim's volume folder: the init
 * container `password-follows-secret`, then PostgreSQL as the image starts it (creating the
 * database on an empty volume) with the password from Secret `hub-db`. Used by the live platform
 * and the engine proof.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DATABASE_PASSWORD_KEY } from "../../components/jupyterhub/secret-keys";
import { NAMES } from "../../components/names";
import type { SimCluster } from "../cluster";
import { initDatabase, passwordFollowsSecret, prepareDataFolder, startPostgres } from "../postgres";
import { localVolumeDir, type Volume, volumeRoot } from "../provision";
import { waitFor } from "../wait";

interface Claim {
  spec: { volumeName?: string };
  status?: { phase?: string };
}

/** The StatefulSet's claim (volumeClaimTemplate `data`, pod hub-db-0). */
export const HUB_DB_CLAIM = `data-${NAMES.hubDatabase}-0`;

/** The local folder behind a Bound claim (waits for the binding). */
export async function claimFolder(
  cluster: SimCluster,
  namespace: string,
  claimName: string,
): Promise<string> {
  const claim = await waitFor(
    `claim ${namespace}/${claimName} Bound`,
    async () => {
      const found = await cluster.client.find<Claim>(
        `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${claimName}`,
      );
      return found?.status?.phase === "Bound" ? found : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const volume = await cluster.client.get<Volume>(`/api/v1/persistentvolumes/${claim.spec.volumeName}`);
  const dir = localVolumeDir(volumeRoot(cluster.kubeconfig), volume);
  if (!dir) throw new Error(`volume ${claim.spec.volumeName} of ${claimName} has no local folder`);
  return dir;
}

export async function secretValue(
  cluster: SimCluster,
  namespace: string,
  name: string,
  key: string,
): Promise<string> {
  const secret = await cluster.client.get<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/secrets/${name}`,
  );
  return Buffer.from(secret.data?.[key] ?? "", "base64").toString("utf8");
}

export interface HubDatabase {
  readonly port: number;
  readonly password: string;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the database pod's PostgreSQL on `folder` (the claim's volume) with `password`. */
export async function startHubDatabaseOn(folder: string, password: string): Promise<HubDatabase> {
  const pgdata = path.join(folder, "pgdata"); // PGDATA of the StatefulSet, under its volume's mount
  prepareDataFolder(folder);
  const init = passwordFollowsSecret(pgdata, password);
  if (init.status !== 0) throw new Error(`password-follows-secret failed: ${init.stderr}`);
  if (!existsSync(path.join(pgdata, "PG_VERSION"))) initDatabase(pgdata, password);
  const socketDir = mkdtempSync(path.join(os.tmpdir(), "hub-db-"));
  chmodSync(socketDir, 0o777);
  const server = await startPostgres(pgdata, socketDir);
  return {
    port: server.port,
    password,
    url: server.url(password),
    async stop() {
      await server.stop();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/** The stack's hub database, on its claim, with the password the stack generated. */
export async function startHubDatabase(cluster: SimCluster, namespace: string): Promise<HubDatabase> {
  const folder = await claimFolder(cluster, namespace, HUB_DB_CLAIM);
  const password = await secretValue(cluster, namespace, NAMES.hubDatabaseSecret, DATABASE_PASSWORD_KEY);
  return startHubDatabaseOn(folder, password);
}
