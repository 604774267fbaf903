/**
 * The identity provider's shapes: what the caller configures (the hub's OAuth client and the test
 * accounts) and what a running provider hands back (its Authentik-style URLs, counters, stop).
 */

/** A test user: a username and password to type into the login form, and the groups Authentik would send. */
export interface TestAccount {
  readonly username: string;
  readonly password: string;
  readonly groups: readonly string[];
  /** Default `<username>@example.org`. */
  readonly email?: string;
}

export interface IdentityProviderOptions {
  /** The OAuth client registered for the hub (config `auth.oauth.clientId`). */
  readonly clientId: string;
  /** Supplied by the caller, generated per run; never committed, never logged. */
  readonly clientSecret: string;
  /** The hub's callback URLs as the caller maps them to local addresses; any other is refused. */
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  /** Authentik's application slug: names the issuer and the end-session URL. */
  readonly application: string;
  /** Scopes the provider supports, e.g. openid profile email groups. */
  readonly scopes: readonly string[];
  /** The userinfo claim carrying the account's group names (Authentik: `groups`). */
  readonly groupsClaim: string;
  /** The userinfo claim carrying the username (Authentik: `preferred_username`). */
  readonly usernameClaim: string;
  readonly accounts: readonly TestAccount[];
  /** Default: a free port on 127.0.0.1. */
  readonly port?: number;
}

/** Authentik's endpoints, as absolute URLs of the running provider. */
export interface IdentityProviderEndpoints {
  readonly authorize: string;
  readonly token: string;
  readonly userinfo: string;
  readonly endSession: string;
  readonly jwks: string;
  readonly discovery: string;
}

/** Counts since start, for a load report. */
export interface IdentityProviderCounters {
  /** Correct username and password posted to the login form. */
  readonly loginsOk: number;
  /** Wrong password or unknown username. */
  readonly loginsRefused: number;
  /** Authorization codes exchanged for tokens. */
  readonly tokensIssued: number;
  /** Token requests refused (wrong client secret, reused or unknown code, ...). */
  readonly tokenErrors: number;
  /** Requests oidc-provider failed with a server error (500): a bug here, never the user's fault. */
  readonly serverErrors: number;
}

export interface RunningIdentityProvider {
  /** What the stack's `auth.oauth.url` would be for Authentik: `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** `<baseUrl>/application/o/<application>/`, as Authentik names it. */
  readonly issuer: string;
  readonly endpoints: IdentityProviderEndpoints;
  counters(): IdentityProviderCounters;
  stop(): Promise<void>;
}
