/**
 * oidc-provider's configuration for the hub's client: Authentik's routes, the accounts, claims by
 * scope, its own storage, no consent screen (a first-party client, as Authentik's implicit consent
 * flow), PKCE accepted but not required (Authentik does not require it; OAuthenticator 17 sends it).
 */
import { generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import type { Configuration, JWK } from "oidc-provider";
import { type AccountBook, claimsByScope } from "./accounts";
import { errorPage, signedOutPage, signOutPage } from "./login-page";
import type { MemoryStore } from "./memory-store";
import { type AuthentikPaths, loginPath } from "./paths";
import type { IdentityProviderOptions } from "./types";

const HOUR = 3600;

/** A fresh RS256 signing key per run (ID tokens are RS256 unless a client says otherwise). */
export async function signingKey(): Promise<JWK> {
  const { privateKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  return { ...jwk, kid: randomBytes(8).toString("hex"), use: "sig", alg: "RS256" } as JWK;
}

export function providerConfiguration(
  options: IdentityProviderOptions,
  paths: AuthentikPaths,
  accounts: AccountBook,
  store: MemoryStore,
  key: JWK,
): Configuration {
  const names = { groupsClaim: options.groupsClaim, usernameClaim: options.usernameClaim };
  return {
    adapter: store.adapterFor,
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [...options.redirectUris],
        post_logout_redirect_uris: [...(options.postLogoutRedirectUris ?? [])],
        // client_secret_post is accepted as well (oidc-provider treats the two as one secret method).
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    jwks: { keys: [key] },
    cookies: {
      keys: [randomBytes(32).toString("hex")],
      // lax, not oidc-provider's `none`: browsers drop SameSite=None cookies without Secure, and this is http.
      long: { httpOnly: true, sameSite: "lax", signed: true },
      short: { httpOnly: true, sameSite: "lax", signed: true },
    },
    routes: {
      authorization: paths.authorize,
      token: paths.token,
      userinfo: paths.userinfo,
      end_session: paths.endSession,
      jwks: paths.jwks,
    },
    scopes: [...options.scopes],
    claims: claimsByScope(names, options.scopes),
    findAccount: (_ctx, sub) =>
      accounts.has(sub) ? { accountId: sub, claims: () => accounts.claims(sub) } : undefined,
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = "html";
          ctx.body = signOutPage(form);
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = "html";
          ctx.body = signedOutPage();
        },
      },
    },
    interactions: { url: (_ctx, interaction) => loginPath(interaction.uid) },
    // The login form grants the requested scopes with the sign-in (interactions.ts); afterwards the
    // session's grant for the client is reused, so no consent prompt is ever shown.
    loadExistingGrant: async (ctx) => {
      const grantId =
        ctx.oidc.result?.consent?.grantId ??
        (ctx.oidc.client ? ctx.oidc.session?.grantIdFor(ctx.oidc.client.clientId) : undefined);
      return grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    pkce: { methods: ["S256"], required: () => false },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage(out.error, out.error_description);
    },
    ttl: {
      AccessToken: HOUR,
      AuthorizationCode: 60,
      IdToken: HOUR,
      Interaction: HOUR,
      Session: 8 * HOUR,
      Grant: 8 * HOUR,
      RefreshToken: 8 * HOUR,
    },
  };
}
