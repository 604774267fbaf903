/**
 * The hub's credentials: generated with @pulumi/random (stored in Pulumi state as secrets) and
 * handed to pods only through Kubernetes Secrets, never through ConfigMaps, env literals or outputs.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PlatformConfig } from "../../config/schema/platform";
import { checksum } from "../checksum";
import { NAMES } from "../names";
import { objectMeta } from "../pod-defaults";
import { DATABASE_PASSWORD_KEY, HUB_SECRET_KEYS } from "./secret-keys";

/** engine/proof.ts reads the database password from Secret `hub-db` by this key. */

/** Each value marked secret on its own, so the keys stay visible in previews and renders. */
export function secretValues(
  values: Record<string, pulumi.Input<string>>,
): Record<string, pulumi.Output<string>> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, pulumi.secret(value)]));
}

/** The credentials the stack supplies (Pulumi secret config); every other one is generated here. */
export interface SuppliedSecrets {
  /** Absent only in preview, where a placeholder is rendered. */
  readonly oauthClientSecret?: pulumi.Output<string>;
  /** Only with an external database: its URL, password included. */
  readonly databaseUrl?: pulumi.Output<string>;
  /** The backup repository's credentials by environment variable (backup.repository.credentials). */
  readonly backupCredentials?: Readonly<Record<string, pulumi.Output<string>>>;
  /** The backup repositories' restic password, when the stack supplies it (backup.repository.passwordSecretKey). */
  readonly backupPassword?: pulumi.Output<string>;
  /** The idle-GPU notifier's SMTP password (monitoring.notifier.smtp.passwordSecretKey). */
  readonly smtpPassword?: pulumi.Output<string>;
}

export interface HubSecretsArgs {
  readonly config: Pick<PlatformConfig, "database">;
  readonly secrets: SuppliedSecrets;
  readonly namespace: pulumi.Input<string>;
  /** Generate the token Prometheus shows /hub/metrics (scope read:metrics; monitoring.targets.hub). */
  readonly metricsToken?: boolean;
  /** Put the notifier's SMTP password in Secret `hub` (notifierSmtpLogin): the stack's, or a placeholder in preview. */
  readonly smtpLogin?: boolean;
}

/**
 * A secret the stack supplies, or a placeholder naming the config key to set: a preview without it
 * still renders, and `pulumi up` refuses before anything is deployed (config/pulumi-stack.ts).
 */
function required(value: pulumi.Output<string> | undefined, configKey: string): pulumi.Output<string> {
  return value ?? pulumi.secret(`not-set-in-preview: pulumi config set --secret ${configKey}`);
}

/** The in-cluster database's generated password and Secret `hub-db`, which holds it. */
function databasePassword(name: string, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
  const password = new random.RandomPassword(`${name}-db-password`, { length: 32, special: false }, opts);
  const secret = new k8s.core.v1.Secret(
    `${name}-db`,
    {
      metadata: objectMeta(NAMES.hubDatabaseSecret, namespace, "hub-db"),
      type: "Opaque",
      stringData: secretValues({ [DATABASE_PASSWORD_KEY]: password.result }),
    },
    opts,
  );
  return { value: password.result, secretName: secret.metadata.name };
}

export class HubSecrets extends pulumi.ComponentResource {
  readonly hubSecretName: pulumi.Output<string>;
  readonly databaseSecretName?: pulumi.Output<string>;
  /** The in-cluster database's password (secret), for the database's backup job (cluster/backup.ts). */
  readonly databasePassword?: pulumi.Output<string>;
  /** The hub's metrics token (secret), for the monitoring namespace's copy (cluster/monitoring.ts). */
  readonly metricsToken?: pulumi.Output<string>;
  /**
   * sha256 over every value the hub reads from Secrets: the hub pod's `checksum/secret`
   * annotation, so a changed OAuth client secret restarts the hub (as z2jh's checksum/secret).
   * Not marked secret: the values are high-entropy (generated, or the identity provider's client
   * secret), so their hash reveals nothing, and a secret annotation would hide the whole pod
   * template from previews and reviews.
   */
  readonly checksum: pulumi.Output<string>;

  constructor(name: string, args: HubSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpu-jupyterhub:jupyterhub:HubSecrets", name, {}, opts);
    const child = { parent: this };
    // 32 random bytes as hex: what JupyterHub wants for the cookie secret and the auth-state key.
    const hex32 = (suffix: string) => new random.RandomBytes(`${name}-${suffix}`, { length: 32 }, child).hex;
    const hubValues = secretValues({
      [HUB_SECRET_KEYS.proxyAuthToken]: hex32("proxy-auth-token"),
      [HUB_SECRET_KEYS.cookieSecret]: hex32("cookie-secret"),
      [HUB_SECRET_KEYS.cryptKey]: hex32("crypt-key"),
      [HUB_SECRET_KEYS.oauthClientSecret]: required(args.secrets.oauthClientSecret, "oauthClientSecret"),
      ...(args.secrets.databaseUrl ? { [HUB_SECRET_KEYS.databaseUrl]: args.secrets.databaseUrl } : {}),
      ...(args.metricsToken ? { [HUB_SECRET_KEYS.metricsToken]: hex32("metrics-token") } : {}),
      ...(args.smtpLogin
        ? {
            [HUB_SECRET_KEYS.smtpPassword]: required(
              args.secrets.smtpPassword,
              "<monitoring.notifier.smtp.passwordSecretKey>",
            ),
          }
        : {}),
    });
    this.metricsToken = hubValues[HUB_SECRET_KEYS.metricsToken];
    const hub = new k8s.core.v1.Secret(
      `${name}-hub`,
      {
        metadata: objectMeta(NAMES.hubSecret, args.namespace, "hub"),
        type: "Opaque",
        stringData: hubValues,
      },
      child,
    );
    this.hubSecretName = hub.metadata.name;
    const checksummed: pulumi.Output<string>[] = Object.values(hubValues);

    if (args.config.database.type === "postgres") {
      const password = databasePassword(name, args.namespace, child);
      this.databaseSecretName = password.secretName;
      this.databasePassword = pulumi.secret(password.value);
      checksummed.push(password.value);
    }
    this.checksum = pulumi.unsecret(pulumi.all(checksummed).apply((values) => checksum(values)));
    this.registerOutputs({
      hubSecretName: this.hubSecretName,
      ...(this.databaseSecretName ? { databaseSecretName: this.databaseSecretName } : {}),
      ...(this.databasePassword ? { databasePassword: this.databasePassword } : {}),
      ...(this.metricsToken ? { metricsToken: this.metricsToken } : {}),
      checksum: this.checksum,
    });
  }
}
