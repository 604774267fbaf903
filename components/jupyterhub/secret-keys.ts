/**
 * Where each credential lives: its key in Secret `hub` or `hub-db`, and the environment variable
 * its reader takes it from (JupyterHub, configurable-http-proxy and OAuthenticator read these
 * themselves; secrets never enter the settings document).
 */

/** Keys of Secret `hub`. */
export const HUB_SECRET_KEYS = {
  proxyAuthToken: "proxy-auth-token",
  cookieSecret: "cookie-secret",
  cryptKey: "crypt-key",
  oauthClientSecret: "oauth-client-secret",
  databaseUrl: "database-url",
  metricsToken: "metrics-token",
  smtpPassword: "smtp-password",
} as const;

/** Key of Secret `hub-db`, shared by the hub and PostgreSQL. */
export const DATABASE_PASSWORD_KEY = "password";

/** Environment variables the hub reads its secrets from. */
export const HUB_SECRET_ENV = {
  proxyAuthToken: "CONFIGPROXY_AUTH_TOKEN",
  cookieSecret: "JPY_COOKIE_SECRET",
  cryptKey: "JUPYTERHUB_CRYPT_KEY",
  oauthClientSecret: "OAUTH_CLIENT_SECRET",
  databasePassword: "JUPYTERHUB_DB_PASSWORD",
  databaseUrl: "JUPYTERHUB_DB_URL",
  /** The token of service metrics-scraper (scope read:metrics), read by jupyterhub_config.py. */
  metricsToken: "JUPYTERHUB_METRICS_TOKEN",
  /** The idle-GPU notifier's SMTP password (monitoring.notifier.smtp), handed to its service by jupyterhub_config.py. */
  smtpPassword: "IDLE_GPU_NOTIFIER_SMTP_PASSWORD",
} as const;
