/**
 * The few hub API calls a jupyterhub-singleuser 5.5 server makes, for tests that run a real notebook
 * server without a real hub (jupyterhub/singleuser/extension.py and services/auth.py):
 * - at start, `GET <api>/` (check_hub_version): the server exits after 5 failed tries (~46 s);
 * - for each request with a token, `GET <api>/user` with `Authorization: token <token>` (HubAuth's
 *   user_for_token): the token's owner and scopes; the server then requires its access scope
 *   (JUPYTERHUB_OAUTH_ACCESS_SCOPES, e.g. `access:servers!server=<user>/`);
 * - every 5 minutes, `POST <api>/users/<user>/activity`.
 * Tokens are random per stand-in and never logged.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface HubApiStandIn {
  /** JUPYTERHUB_API_URL for the servers, e.g. http://127.0.0.1:PORT/hub/api */
  readonly apiUrl: string;
  /** A token owned by `user`, with access to the user's default server. */
  tokenFor(user: string): string;
  /** How many requests each path got (without the query). */
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

export async function startHubApiStandIn(version = "5.5.0"): Promise<HubApiStandIn> {
  const owners = new Map<string, string>();
  const calls = new Map<string, number>();
  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url ?? "/", "http://stand-in").pathname;
    calls.set(pathname, (calls.get(pathname) ?? 0) + 1);
    request.resume();
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json", "x-jupyterhub-version": version });
      response.end(JSON.stringify(body));
    };
    if (pathname === "/hub/api/" || pathname === "/hub/api") return reply(200, { version });
    if (pathname === "/hub/api/user") {
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
      const user = token ? owners.get(token) : undefined;
      if (!user) return reply(403, { status: 403, message: "invalid token" });
      return reply(200, {
        kind: "user",
        name: user,
        admin: false,
        groups: [],
        session_id: null,
        scopes: [
          `access:servers!user=${user}`,
          `access:servers!server=${user}/`,
          `read:users:name!user=${user}`,
        ],
      });
    }
    if (/^\/hub\/api\/users\/[^/]+\/activity$/.test(pathname)) return reply(200, {});
    return reply(404, { status: 404, message: `the stand-in does not serve ${pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/hub/api`,
    calls,
    tokenFor(user: string) {
      const token = randomBytes(24).toString("hex");
      owners.set(token, user);
      return token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
