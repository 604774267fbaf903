/** Sign-in through the institution's OpenID Connect provider (Authentik) and its groups. */
import { z } from "zod";
import { httpsUrl } from "./common";

export const oauthSchema = z
  .strictObject({
    clientId: z.string().min(1).describe("OAuth client id registered for the hub (public, not a secret)."),
    authorizeUrl: httpsUrl.describe("OIDC authorization endpoint."),
    tokenUrl: httpsUrl.describe("OIDC token endpoint."),
    userdataUrl: httpsUrl.describe("OIDC userinfo endpoint."),
    logoutUrl: httpsUrl.optional().describe("Where the hub sends users after logging out (end-session)."),
    scopes: z.array(z.string()).default(["openid", "profile", "email", "groups"]),
    usernameClaim: z
      .string()
      .default("preferred_username")
      .describe("Userinfo claim that becomes the username."),
    groupsClaim: z.string().default("groups").describe("Userinfo claim that lists the user's groups."),
  })
  .describe("The OAuth/OIDC client. Its secret is the Pulumi secret `gpu-jupyterhub:oauthClientSecret`.");

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
