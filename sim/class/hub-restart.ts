/**
 * The hub restarted in the middle of a class: what a student would notice. Before the restart, the
 * proxy's routes to notebook servers; after it (once the hub is healthy and has checked the routes),
 * how many of those routes are still there and how many of those servers still answer through the
 * proxy. The hub keeps servers and the proxy over restarts (`cleanup_servers = False`).
 */
import type { LivePlatform } from "../live/platform";
import { waitFor } from "../wait";

export interface HubRestartReport {
  /** Seconds after the first start request. */
  readonly atSeconds: number;
  /** When the old hub was told to stop (ISO time): what the usage figures count runs across. */
  readonly at: string;
  readonly serversBefore: number;
  readonly serversKept: number;
  readonly routesBefore: number;
  readonly routesKept: number;
  readonly stopSeconds: number;
  readonly healthySeconds: number;
}

type Routes = Record<string, { target?: string }>;

export async function proxyRoutes(live: LivePlatform, token: string): Promise<Routes> {
  const reply = await fetch(`${live.proxy.apiUrl}/api/routes`, {
    headers: { Authorization: `token ${token}` },
  });
  if (!reply.ok) throw new Error(`the proxy's route API answered ${reply.status}`);
  return (await reply.json()) as Routes;
}

/** The users whose notebook server has a route (`/user/<name>`). */
export const routedUsers = (routes: Routes) =>
  Object.keys(routes)
    .map((route) => /^\/user\/([^/]+)\/?$/.exec(route)?.[1])
    .filter((user): user is string => user !== undefined);

/** True when the user's notebook server itself answers through the proxy (jupyter-server's /api). */
async function serverAnswers(live: LivePlatform, user: string): Promise<boolean> {
  const reply = await fetch(`${live.publicUrl}/user/${user}/api`, { redirect: "manual" }).catch(
    () => undefined,
  );
  if (reply?.status !== 200) return false;
  const body = (await reply.json().catch(() => ({}))) as { version?: string };
  return typeof body.version === "string";
}

export async function restartHub(
  live: LivePlatform,
  token: string,
  atSeconds: number,
): Promise<HubRestartReport> {
  const before = routedUsers(await proxyRoutes(live, token));
  const answering = await Promise.all(before.map((user) => serverAnswers(live, user)));
  const running = before.filter((_, index) => answering[index]);
  const at = new Date().toISOString();
  const { stopSeconds, healthySeconds } = await live.hub.restart();
  // The hub checks the proxy's routes at start, before it answers /hub/health; asked again to be sure
  // it had time to drop any it did not recognise.
  await waitFor("the hub's API after the restart", async () => (await fetch(`${live.hub.url}/hub/api/`)).ok, {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  const after = new Set(routedUsers(await proxyRoutes(live, token)));
  const kept = await Promise.all(running.map((user) => serverAnswers(live, user)));
  return {
    atSeconds,
    at,
    serversBefore: running.length,
    serversKept: kept.filter(Boolean).length,
    routesBefore: before.length,
    routesKept: before.filter((user) => after.has(user)).length,
    stopSeconds,
    healthySeconds,
  };
}
