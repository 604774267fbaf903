/**
 * A user's default server through the hub's REST API, with a signed-in session, as the browser's
 * pages use it: the spawn page asks for a server of a profile, the spawn-pending page polls the user
 * model until the server is ready, the home page until it is gone.
 */
import type { HttpReply, HttpSession } from "./http-session";
import { waitFor } from "./wait";

/**
 * The default server in the hub's user model: `ready`, `pending` (starting or stopping), `none` (the
 * hub lists no active server), or `unknown` (no 200 answer, e.g. the proxy's 503 while the hub restarts).
 */
export type ServerState = "ready" | "pending" | "none" | "unknown";

interface ServerModel {
  ready?: boolean;
  pending?: string | null;
}

/** `POST /hub/api/users/<user>/server` with the profile, the spawn page's request: 201 started, 202 pending. */
export function requestServer(
  session: HttpSession,
  hubUrl: string,
  user: string,
  profile: string,
): Promise<HttpReply> {
  return session.api("POST", `${hubUrl}/hub/api/users/${user}/server`, { profile });
}

/** The user's default server as `GET /hub/api/users/<user>` tells it; `unknown` when that fails. */
export async function serverState(session: HttpSession, hubUrl: string, user: string): Promise<ServerState> {
  const reply = await session.api("GET", `${hubUrl}/hub/api/users/${user}`).catch(() => undefined);
  if (reply?.status !== 200) return "unknown";
  const server = (JSON.parse(reply.body) as { servers?: Record<string, ServerModel> }).servers?.[""];
  return server?.ready ? "ready" : server?.pending ? "pending" : "none";
}

export interface ServerWaitOptions {
  readonly timeoutMs: number;
  /** Between two reads of the user model; default 1 s, as the spawn-pending page polls. */
  readonly intervalMs?: number;
}

/** Polls the user's server until its state is one of `states`; returns that state, throws after the timeout. */
export function waitForServer(
  session: HttpSession,
  hubUrl: string,
  user: string,
  states: readonly ServerState[],
  options: ServerWaitOptions,
): Promise<ServerState> {
  return waitFor(
    `${user}'s server ${states.join(" or ")}`,
    async () => {
      const state = await serverState(session, hubUrl, user);
      return states.includes(state) && state;
    },
    { timeoutMs: options.timeoutMs, intervalMs: options.intervalMs ?? 1000 },
  );
}

/**
 * Asks for the user's server with `profile` and waits until it is ready; throws when the hub refuses
 * the request (anything but 201/202) or the server is not ready within the timeout.
 */
export async function startServer(
  session: HttpSession,
  hubUrl: string,
  user: string,
  profile: string,
  options: ServerWaitOptions,
): Promise<void> {
  const reply = await requestServer(session, hubUrl, user, profile);
  if (reply.status !== 201 && reply.status !== 202)
    throw new Error(`starting ${user}'s server: ${reply.status} ${reply.body}`);
  await waitForServer(session, hubUrl, user, ["ready"], options);
}
