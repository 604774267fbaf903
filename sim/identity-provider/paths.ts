/**
 * Authentik's URL paths (its OAuth2/OpenID provider): authorize, token and userinfo are shared by all
 * applications, the issuer, discovery, JWKS and end-session are under the application's slug. The
 * same paths `authentikEndpoints` (config/schema/auth.ts) derives the hub's settings from.
 */
export interface AuthentikPaths {
  readonly issuer: string;
  readonly discovery: string;
  readonly authorize: string;
  readonly token: string;
  readonly userinfo: string;
  readonly endSession: string;
  readonly jwks: string;
}

export function authentikPaths(application: string): AuthentikPaths {
  const app = `/application/o/${encodeURIComponent(application)}/`;
  return {
    issuer: app,
    discovery: `${app}.well-known/openid-configuration`,
    authorize: "/application/o/authorize/",
    token: "/application/o/token/",
    userinfo: "/application/o/userinfo/",
    endSession: `${app}end-session/`,
    jwks: `${app}jwks/`,
  };
}

/** Our own login pages (oidc-provider leaves the interaction to us): `/if/flow/login/<uid>/`. */
export const LOGIN_PATH = /^\/if\/flow\/login\/([-\w]+)\/$/;

export const loginPath = (uid: string) => `/if/flow/login/${uid}/`;
