/**
 * A stand-in hub for the identity provider's tests: the OAuth client side as OAuthenticator 17 does
 * it (authorization code with PKCE S256 and a state cookie; the code exchanged at the token endpoint
 * with the client secret in the body, or with HTTP Basic; the user read from userinfo), behind the
 * URLs a browser sees on JupyterHub: /hub/oauth_login, /hub/oauth_callback, /hub/home (sets _xsrf),
 * /hub/api/user (needs X-XSRFToken). Each sign-in's userinfo is kept for the tests to read.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { PlatformConfig } from "../../config/schema/platform";
import type { RunningIdentityProvider } from "../../sim/identity-provider";

export interface MiniHubOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly userinfoUrl: string;
  readonly scopes: readonly string[];
  readonly usernameClaim: string;
  readonly groupsClaim: string;
  /** "post" (OAuthenticator's default, basic_auth False) or "basic". */
  readonly clientAuth: "post" | "basic";
  /** Default: a free port. */
  readonly port?: number;
}

export interface MiniHub {
  readonly url: string;
  readonly callbackUrl: string;
  /** How the next code exchange sends the client secret. */
  clientAuth: "post" | "basic";
  /** Userinfo of every sign-in, in order. */
  readonly signIns: Record<string, unknown>[];
  stop(): Promise<void>;
}

const base64url = (bytes: Buffer) => bytes.toString("base64url");

function cookiesOf(req: http.IncomingMessage): Map<string, string> {
  const pairs = (req.headers.cookie ?? "").split(";").map((pair) => pair.trim().split("="));
  return new Map(
    pairs.filter((pair) => pair.length >= 2).map(([name = "", ...value]) => [name, value.join("=")]),
  );
}

async function post(url: string, form: Record<string, string>, headers: Record<string, string>) {
  const response = await fetch(url, { method: "POST", body: new URLSearchParams(form), headers });
  return { status: response.status, body: await response.text() };
}

export async function startMiniHub(options: MiniHubOptions): Promise<MiniHub> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const callbackUrl = `${url}/hub/oauth_callback`;
  const pending = new Map<string, string>(); // state -> PKCE verifier
  const sessions = new Map<string, Record<string, unknown>>();
  const signIns: Record<string, unknown>[] = [];

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const request = new URL(req.url ?? "/", url);
    const cookies = cookiesOf(req);
    const answer = (status: number, body: string, headers: Record<string, string | string[]> = {}) => {
      res.writeHead(status, headers);
      res.end(body);
    };
    if (request.pathname === "/hub/oauth_login") {
      const state = base64url(randomBytes(16));
      const verifier = base64url(randomBytes(32));
      pending.set(state, verifier);
      const authorize = new URL(options.authorizeUrl);
      authorize.search = new URLSearchParams({
        response_type: "code",
        client_id: options.clientId,
        redirect_uri: callbackUrl,
        scope: options.scopes.join(" "),
        state,
        code_challenge: base64url(createHash("sha256").update(verifier).digest()),
        code_challenge_method: "S256",
      }).toString();
      return answer(302, "", {
        Location: authorize.href,
        "Set-Cookie": `oauthenticator-state=${state}; Path=/hub/`,
      });
    }
    if (request.pathname === "/hub/oauth_callback") {
      const state = request.searchParams.get("state") ?? "";
      const verifier = pending.get(state);
      if (!verifier || cookies.get("oauthenticator-state") !== state)
        return answer(400, "OAuth state mismatch");
      pending.delete(state);
      const form: Record<string, string> = {
        grant_type: "authorization_code",
        code: request.searchParams.get("code") ?? "",
        redirect_uri: callbackUrl,
        code_verifier: verifier,
      };
      const headers: Record<string, string> = { Accept: "application/json" };
      if (miniHub.clientAuth === "basic") {
        const pair = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`;
        headers.Authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
      } else Object.assign(form, { client_id: options.clientId, client_secret: options.clientSecret });
      const token = await post(options.tokenUrl, form, headers);
      if (token.status !== 200) return answer(500, `token request answered ${token.status}: ${token.body}`);
      const { access_token: accessToken } = JSON.parse(token.body) as { access_token: string };
      const info = await fetch(options.userinfoUrl, { headers: { Authorization: `Bearer ${accessToken}` } });
      if (info.status !== 200) return answer(500, `userinfo answered ${info.status}: ${await info.text()}`);
      const claims = (await info.json()) as Record<string, unknown>;
      signIns.push(claims);
      const session = base64url(randomBytes(16));
      sessions.set(session, claims);
      return answer(302, "", {
        Location: "/hub/home",
        "Set-Cookie": `jupyterhub-session-id=${session}; Path=/`,
      });
    }
    const user = sessions.get(cookies.get("jupyterhub-session-id") ?? "");
    if (request.pathname === "/hub/home") {
      if (!user) return answer(302, "", { Location: "/hub/oauth_login" });
      return answer(200, "<p>home</p>", { "Set-Cookie": `_xsrf=${base64url(randomBytes(12))}; Path=/hub/` });
    }
    if (request.pathname === "/hub/api/user") {
      const xsrf = cookies.get("_xsrf");
      if (!user || !xsrf || req.headers["x-xsrftoken"] !== xsrf)
        return answer(403, '{"message": "forbidden"}');
      const name = String(user[options.usernameClaim]).toLowerCase();
      return answer(200, JSON.stringify({ name, admin: false, groups: user[options.groupsClaim] }), {
        "Content-Type": "application/json",
      });
    }
    return answer(404, "not found");
  };

  const miniHub: MiniHub = {
    url,
    callbackUrl,
    clientAuth: options.clientAuth,
    signIns,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((error: Error) => {
      res.writeHead(500);
      res.end(error.message);
    });
  });
  return miniHub;
}

/** The stand-in hub as the stack configures the hub's client, signing in at `provider`. */
export function startMiniHubFor(
  provider: RunningIdentityProvider,
  config: PlatformConfig,
  clientSecret: string,
  port: number,
): Promise<MiniHub> {
  const { oauth } = config.auth;
  return startMiniHub({
    clientId: oauth.clientId,
    clientSecret,
    authorizeUrl: provider.endpoints.authorize,
    tokenUrl: provider.endpoints.token,
    userinfoUrl: provider.endpoints.userinfo,
    scopes: oauth.scopes,
    usernameClaim: oauth.usernameClaim,
    groupsClaim: oauth.groupsClaim,
    clientAuth: "post",
    port,
  });
}
