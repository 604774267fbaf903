/**
 * startIdentityProvider: oidc-provider (panva's certified OpenID Connect library) on 127.0.0.1,
 * dressed as Authentik: its endpoints at Authentik's paths, the issuer under the application's slug,
 * our own login form instead of oidc-provider's development interactions.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { AccountBook } from "./accounts";
import { providerConfiguration, signingKey } from "./configuration";
import { interactionHandler, type LoginCounts } from "./interactions";
import { errorPage } from "./login-page";
import { MemoryStore } from "./memory-store";
import { authentikPaths, LOGIN_PATH } from "./paths";
import type { IdentityProviderOptions, RunningIdentityProvider } from "./types";

export async function startIdentityProvider(
  options: IdentityProviderOptions,
): Promise<RunningIdentityProvider> {
  const paths = authentikPaths(options.application);
  const accounts = new AccountBook(options.accounts, options);
  const store = new MemoryStore();
  const key = await signingKey();

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const issuer = `${baseUrl}${paths.issuer}`;

  const provider = new Provider(issuer, providerConfiguration(options, paths, accounts, store, key));
  const counts: LoginCounts & { tokensIssued: number; tokenErrors: number; serverErrors: number } = {
    loginsOk: 0,
    loginsRefused: 0,
    tokensIssued: 0,
    tokenErrors: 0,
    serverErrors: 0,
  };
  provider.on("grant.success", () => {
    counts.tokensIssued += 1;
  });
  provider.on("grant.error", () => {
    counts.tokenErrors += 1;
  });
  provider.on("server_error", () => {
    counts.serverErrors += 1;
  });
  const interaction = interactionHandler(provider, accounts, options.application, counts);
  const oidc = provider.callback();

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    const login = LOGIN_PATH.exec(pathname);
    if (login?.[1]) {
      interaction(req, res, login[1]).catch((error: Error) => {
        counts.serverErrors += 1;
        if (res.headersSent) return res.destroy(error);
        res.writeHead(500, { "Content-Type": "text/html; charset=utf-8" });
        res.end(errorPage("The identity provider failed", error.message));
      });
      return;
    }
    // Discovery lives under the issuer, as Authentik's does; oidc-provider serves it at the root.
    if (pathname === paths.discovery) req.url = "/.well-known/openid-configuration";
    oidc(req, res);
  });

  const url = (path: string) => `${baseUrl}${path}`;
  return {
    baseUrl,
    issuer,
    endpoints: {
      authorize: url(paths.authorize),
      token: url(paths.token),
      userinfo: url(paths.userinfo),
      endSession: url(paths.endSession),
      jwks: url(paths.jwks),
      discovery: url(paths.discovery),
    },
    counters: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
