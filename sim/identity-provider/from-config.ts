/**
 * The identity provider configured from the stack, as Authentik is for production: the hub's client
 * id, scopes, username and groups claims and the callback path come from the validated config (the
 * callback from the hub's own settings), moved to the local hub's address. The client secret comes
 * from the caller, generated per run.
 */
import { randomBytes } from "node:crypto";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import type { PlatformConfig } from "../../config/schema/platform";
import { localUrl, originOf } from "../live/addresses";
import type { IdentityProviderOptions, TestAccount } from "./types";

export interface LocalHub {
  /** Where the browser reaches the hub here, e.g. http://127.0.0.1:8000 (no trailing slash needed). */
  readonly hubUrl: string;
  readonly clientSecret: string;
  readonly accounts: readonly TestAccount[];
  readonly port?: number;
}

/** The application slug: the stack's for Authentik; for a generic OIDC provider, the usual one. */
const applicationOf = (config: PlatformConfig) =>
  config.auth.oauth.type === "authentik" ? config.auth.oauth.application : "jupyterhub";

export function identityProviderOptions(config: PlatformConfig, hub: LocalHub): IdentityProviderOptions {
  const { oauth } = config.auth;
  const { callback_url } = hubSettings(config).auth;
  // The deployed hub's public origin (its callback URL's) is the local hub here.
  const origins = new Map([[originOf(callback_url), hub.hubUrl.replace(/\/+$/, "")]]);
  return {
    clientId: oauth.clientId,
    clientSecret: hub.clientSecret,
    redirectUris: [localUrl(callback_url, origins)],
    postLogoutRedirectUris: [localUrl(new URL("/hub/login", callback_url).href, origins)],
    application: applicationOf(config),
    scopes: oauth.scopes,
    groupsClaim: oauth.groupsClaim,
    usernameClaim: oauth.usernameClaim,
    accounts: hub.accounts,
    ...(hub.port === undefined ? {} : { port: hub.port }),
  };
}

/** A client secret for one run: hex, so no client needs to form-encode it for HTTP Basic auth. */
export const generatedClientSecret = () => randomBytes(32).toString("hex");

/**
 * The access matrix's four kinds of user, in the stack's groups, with generated passwords: `student`
 * (an allowed group without GPU rights), `hpc` (a GPU group), `admin`, and `nobody` (no group).
 */
export function journeyAccounts(config: PlatformConfig): TestAccount[] {
  const { admin, allowed, gpu } = config.auth.groups;
  const student = allowed.find((group) => !gpu.includes(group) && !admin.includes(group));
  const password = () => randomBytes(12).toString("base64url");
  const account = (username: string, groups: (string | undefined)[]): TestAccount => ({
    username,
    password: password(),
    groups: groups.filter((group): group is string => group !== undefined),
  });
  return [
    account("student", [student]),
    account("hpc", [gpu[0]]),
    account("admin", [admin[0]]),
    account("nobody", []),
  ];
}
