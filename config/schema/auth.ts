/**
 * Sign-in through the institution's identity provider and its groups. The provider is a typed choice
 * (`auth.oauth.type`): Authentik, whose endpoints follow from its URL and the application's slug, or
 * any OpenID Connect provider with its endpoints written out. Either way the parsed config carries
 * the resolved client (endpoints, end-session URL, claims), so the hub settings and the network
 * policies read one shape whatever the provider.
 */
import { z } from "zod";
import { httpsUrl } from "./common";

const clientFields = {
  clientId: z.string().min(1).describe("OAuth client id registered for the hub (public, not a secret)."),
  scopes: z.array(z.string()).default(["openid", "profile", "email", "groups"]),
  usernameClaim: z
    .string()
    .min(1)
    .default("preferred_username")
    .describe(
      "Userinfo claim that becomes the hub username, lowercased (and with it the names `jupyter-<user>` and `claim-<user>`). " +
        "Whatever the claim, each name stays bound to the immutable `sub` that first signed in with it. " +
        "Changing it on a running hub renames every user: read docs/config.md, Sign-in, first.",
    ),
  groupsClaim: z.string().min(1).default("groups").describe("Userinfo claim that lists the user's groups."),
};

/** Authentik's application slugs: letters, digits, '-' and '_' (Django's SlugField). */
const authentikSlug = z.string().regex(/^[-a-zA-Z0-9_]+$/, {
  message: "must be an Authentik application slug: letters, digits, '-' and '_'",
});

const authentikSchema = z.strictObject({
  type: z.literal("authentik"),
  url: httpsUrl.describe(
    "Authentik's base URL, e.g. https://auth.example.org; its endpoints are under /application/o/ (type authentik).",
  ),
  application: authentikSlug.describe(
    "The hub's application slug in Authentik (Applications → Slug): names its end-session URL (type authentik).",
  ),
  ...clientFields,
});

const oidcSchema = z.strictObject({
  type: z
    .literal("oidc")
    .default("oidc")
    .describe(
      "`authentik`, or `oidc` for any OpenID Connect provider (the default, for the endpoints as written).",
    ),
  loginService: z
    .string()
    .min(1)
    .default("OpenID Connect")
    .describe('The provider\'s name on the login button ("Sign in with …") (type oidc).'),
  authorizeUrl: httpsUrl.describe("OIDC authorization endpoint (type oidc)."),
  tokenUrl: httpsUrl.describe("OIDC token endpoint (type oidc)."),
  userdataUrl: httpsUrl.describe("OIDC userinfo endpoint (type oidc)."),
  logoutUrl: httpsUrl
    .optional()
    .describe(
      "The provider's end-session endpoint, where the hub sends users after logging out (type oidc).",
    ),
  ...clientFields,
});

/** The resolved client: what the hub and the network policies need, for either provider. */
export interface OauthClient {
  readonly loginService: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly userdataUrl: string;
  /** Where logging out of the hub sends the browser, to end the provider's session too. */
  readonly logoutUrl?: string;
}

/** Authentik's endpoints (its OAuth2/OpenID provider): shared by all applications, except end-session. */
export function authentikEndpoints(url: string, application: string): Required<OauthClient> {
  const base = url.replace(/\/+$/, "");
  return {
    loginService: "Authentik",
    authorizeUrl: `${base}/application/o/authorize/`,
    tokenUrl: `${base}/application/o/token/`,
    userdataUrl: `${base}/application/o/userinfo/`,
    logoutUrl: `${base}/application/o/${application}/end-session/`,
  };
}

export const oauthSchema = z
  .discriminatedUnion("type", [authentikSchema, oidcSchema])
  .transform((oauth) =>
    oauth.type === "authentik" ? { ...oauth, ...authentikEndpoints(oauth.url, oauth.application) } : oauth,
  )
  .describe(
    "The identity provider and the hub's OAuth/OIDC client there (`type`: authentik or oidc). Its secret is the Pulumi secret `gpu-jupyterhub:oauthClientSecret`.",
  );

export const groupsSchema = z
  .strictObject({
    admin: z.array(z.string().min(1)).min(1).describe("Members are hub admins and may use every profile."),
    allowed: z.array(z.string().min(1)).min(1).describe("Members may sign in; anyone else is refused."),
    gpu: z
      .array(z.string().min(1))
      .default([])
      .describe("Groups with GPU rights: only they may be on GPU profiles."),
  })
  .describe("Groups from the identity provider and what they grant.");

export const authSchema = z.strictObject({ oauth: oauthSchema, groups: groupsSchema });
