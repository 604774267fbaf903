/**
 * One student of the class, as a browser would act: sign in through the identity provider, ask the
 * hub for a server of one profile through its REST API (the spawn page's request), wait until the
 * hub says it is ready (polling the user model as the spawn-pending page polls progress), then open
 * the server through the proxy (the notebook server's own OAuth round with the hub included).
 * A 429 (the hub's concurrent-spawn limit) is retried after the hub's Retry-After, as the page does.
 */
import { HttpSession } from "../http-session";
import { requestServer, serverState, waitForServer } from "../hub-user";
import { sleep } from "../wait";

export type StudentOutcome =
  | { readonly kind: "started"; readonly seconds: number; readonly reachableSeconds: number }
  | { readonly kind: "refused"; readonly reason: string }
  | { readonly kind: "failed"; readonly cause: string; readonly detail: string };

export interface StudentResult {
  readonly user: string;
  readonly profile: string;
  readonly signInSeconds?: number;
  readonly outcome: StudentOutcome;
  /** Start requests answered 429 by the hub's concurrent-spawn limit and tried again. */
  readonly retries: number;
  /** Start requests made again: a hub restart dropped the spawn, or the request got no answer or a 5xx. */
  readonly restarted: number;
  /** JupyterLab loads tried again after a 5xx (the hub restarting during the server's OAuth round). */
  readonly reloads: number;
}

export interface Student {
  readonly username: string;
  readonly password: string;
}

export interface StudentOptions {
  readonly publicUrl: string;
  readonly profile: string;
  /** Give up waiting for a running server after this long (the profile's start timeout). */
  readonly timeoutMs: number;
  /** How many times the hub has been restarted so far (a restart may drop a pending spawn). */
  readonly hubRestarts: () => number;
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;
const message = (body: string) => {
  try {
    return String((JSON.parse(body) as { message?: string }).message ?? body);
  } catch {
    return body.replace(/\s+/g, " ").slice(0, 200);
  }
};

export async function runStudent(student: Student, options: StudentOptions): Promise<StudentResult> {
  const { publicUrl, profile } = options;
  // Long enough for a start request the loaded hub answers late: a browser does not send a second
  // one while the first is open (two at once meet a race in the hub and one gets a 500).
  const session = new HttpSession(300_000);
  const user = student.username;
  let retries = 0;
  let restarted = 0;
  let reloads = 0;
  let serverErrors = 0;
  let signIns = 0;
  const result = (outcome: StudentOutcome, signInSeconds?: number): StudentResult => ({
    user,
    profile,
    ...(signInSeconds === undefined ? {} : { signInSeconds }),
    outcome,
    retries,
    restarted,
    reloads,
  });

  const signingIn = Date.now();
  try {
    await session.signIn(publicUrl, user, student.password);
  } catch (error) {
    return result({ kind: "failed", cause: "sign-in", detail: (error as Error).message });
  }
  const signInSeconds = seconds(signingIn);
  const serverApi = `${publicUrl}/hub/api/users/${user}/server`;
  const start = async (): Promise<StudentOutcome | undefined> => {
    for (;;) {
      const reply = await requestServer(session, publicUrl, user, profile).catch((error: Error) => ({
        status: 0,
        body: error.message,
        headers: {} as Record<string, string>,
      }));
      if (reply.status === 201 || reply.status === 202) return undefined;
      if (reply.status === 400 && /already (running|pending)/.test(reply.body)) return undefined;
      if (reply.status === 429) {
        retries++;
        await sleep(Math.min(Math.max(Number(reply.headers["retry-after"] ?? 2), 1), 30) * 1000);
        continue;
      }
      if (reply.status >= 500 || reply.status === 0) {
        // No answer, a 502/503 from the proxy while the hub restarts, or a 500 from a hub shutting
        // down mid-request: the spawn may have started all the same; otherwise the person presses
        // Start again (a few times, then it counts as a failure).
        if (++serverErrors > 5)
          return { kind: "failed", cause: `start request ${reply.status}`, detail: message(reply.body) };
        await sleep(2000);
        if ((await serverState(session, publicUrl, user)) !== "none") return undefined;
        restarted++; // asked again
        continue;
      }
      if (reply.status === 403 && /Missing or invalid credentials/.test(reply.body) && ++signIns <= 3) {
        // The hub dropped the session (its refresh of the user at the provider failed, e.g. timed out
        // on a loaded hub): the browser goes through the login again; the provider's session remains.
        await session.signIn(publicUrl, user, student.password).catch(() => undefined);
        continue;
      }
      if (reply.status >= 400 && reply.status < 500) return { kind: "refused", reason: message(reply.body) };
      return { kind: "failed", cause: `start request ${reply.status}`, detail: message(reply.body) };
    }
  };

  const requested = Date.now();
  let restartsSeen = options.hubRestarts();
  const refusal = await start();
  if (refusal) return result(refusal, signInSeconds);
  const deadline = requested + options.timeoutMs;
  for (;;) {
    // Pending, or unknown while the hub restarts (the proxy answers 503/502): keep polling.
    const state = await waitForServer(session, publicUrl, user, ["ready", "none"], {
      timeoutMs: Math.max(deadline - Date.now(), 0),
    }).catch(() => undefined);
    if (state === undefined)
      return result(
        { kind: "failed", cause: "timeout", detail: `not ready after ${seconds(requested)} s` },
        signInSeconds,
      );
    if (state === "ready") break;
    // Neither ready nor pending: a hub restart since the request dropped the spawn (the user asks
    // again, as they would press Start again), or the spawn failed (its progress says why).
    if (options.hubRestarts() > restartsSeen) {
      restartsSeen = options.hubRestarts();
      restarted++;
      const again = await start();
      if (again) return result(again, signInSeconds);
      continue;
    }
    const progress = await session
      .request("GET", `${serverApi}/progress`, { headers: { Accept: "text/event-stream" } })
      .catch(() => undefined);
    const failure =
      /"message": ?"([^"]*)"[^}]*"failed": ?true|"failed": ?true[^}]*"message": ?"([^"]*)"/.exec(
        progress?.body ?? "",
      );
    return result(
      {
        kind: "failed",
        cause: "spawn failed",
        detail: failure?.[1] ?? failure?.[2] ?? "no server and no message",
      },
      signInSeconds,
    );
  }
  const ready = seconds(requested);
  // As the browser: JupyterLab's page first (the server's OAuth round with the hub sets its cookie),
  // then an API call of the kind the page makes.
  // A 5xx while the hub restarts (the server's OAuth round goes through it): reload, as a person would.
  let status: { status: number; body: string } = { status: 0, body: "" };
  for (const reloadUntil = Date.now() + 120_000; ; ) {
    const lab = await session
      .navigate("GET", `${publicUrl}/user/${user}/lab`)
      .catch((error: Error) => ({ status: 0, body: error.message }));
    status =
      lab.status === 200
        ? await session
            .request("GET", `${publicUrl}/user/${user}/api/status`)
            .catch((error: Error) => ({ status: 0, body: error.message }))
        : lab;
    if (status.status === 200 || (status.status > 0 && status.status < 500) || Date.now() > reloadUntil)
      break;
    reloads++;
    await sleep(2000);
  }
  if (status.status !== 200)
    return result(
      { kind: "failed", cause: "server unreachable", detail: `${status.status} ${message(status.body)}` },
      signInSeconds,
    );
  return result({ kind: "started", seconds: ready, reachableSeconds: seconds(requested) }, signInSeconds);
}
