/**
 * The config as the Pulumi program sees it: the stack file beside the program, validated, plus the
 * secrets from Pulumi's secret config. Problems end the run before any resource is registered.
 * Values only a deploy needs (NFS server, OAuth secret) warn in preview and stop `pulumi up`.
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type ConfigIssue, formatIssue } from "./issues";
import { loadPlatformConfig, PROJECT } from "./load";
import type { PlatformConfig } from "./schema/platform";

export interface PlatformSecrets {
  /** Absent only in preview, where a placeholder is rendered. */
  readonly oauthClientSecret?: pulumi.Output<string>;
  readonly databaseUrl?: pulumi.Output<string>;
  /** backup.repository.credentials: each environment variable's value from its secret config key. */
  readonly backupCredentials?: Record<string, pulumi.Output<string>>;
  /** backup.repository.passwordSecretKey's value, when the stack names one. */
  readonly backupPassword?: pulumi.Output<string>;
  /** monitoring.notifier.smtp.passwordSecretKey's value: the idle-GPU notifier's SMTP password. */
  readonly smtpPassword?: pulumi.Output<string>;
}

export interface StackConfig {
  readonly config: PlatformConfig;
  readonly secrets: PlatformSecrets;
}

export function loadStackConfig(projectDir: string): StackConfig {
  const stack = pulumi.getStack();
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  const loaded = loadPlatformConfig({ stackFile });
  const pulumiConfig = new pulumi.Config(PROJECT);
  const oauthClientSecret = pulumiConfig.getSecret("oauthClientSecret");
  const databaseUrl =
    loaded.config?.database.type === "external"
      ? pulumiConfig.getSecret(loaded.config.database.urlSecretKey)
      : undefined;

  const backupKeys = loaded.config?.backup.enabled
    ? Object.entries(loaded.config.backup.repository.credentials)
    : [];
  const backupCredentials = Object.fromEntries(
    backupKeys.flatMap(([env, key]) => {
      const value = pulumiConfig.getSecret(key);
      return value ? [[env, value]] : [];
    }),
  );

  const beforeDeploy: ConfigIssue[] = loaded.issues.filter((issue) => issue.severity === "deploy");
  const missingSecret = (key: string, why: string): ConfigIssue => ({
    file: stackFile,
    field: `${PROJECT}:${key}`,
    message: `${why}: pulumi config set --secret ${PROJECT}:${key} -s ${stack}`,
    severity: "deploy",
  });
  if (!oauthClientSecret)
    beforeDeploy.push(missingSecret("oauthClientSecret", "the OAuth client secret is not set"));
  if (loaded.config?.database.type === "external" && !databaseUrl) {
    beforeDeploy.push(
      missingSecret(loaded.config.database.urlSecretKey, "the external database URL is not set"),
    );
  }

  const passwordKey = loaded.config?.backup.enabled
    ? loaded.config.backup.repository.passwordSecretKey
    : undefined;
  const backupPassword = passwordKey ? pulumiConfig.getSecret(passwordKey) : undefined;
  if (passwordKey && !backupPassword)
    beforeDeploy.push(missingSecret(passwordKey, "the backup repository's password is not set"));
  for (const [env, key] of backupKeys) {
    if (!backupCredentials[env])
      beforeDeploy.push(missingSecret(key, `the backup repository's ${env} is not set`));
  }

  const notifier = loaded.config?.monitoring.notifier;
  const smtpKey = notifier?.enabled ? notifier.smtp.passwordSecretKey : undefined;
  const smtpPassword = smtpKey ? pulumiConfig.getSecret(smtpKey) : undefined;
  if (smtpKey && !smtpPassword)
    beforeDeploy.push(missingSecret(smtpKey, "the idle-GPU notifier's SMTP password is not set"));

  const deploying = !pulumi.runtime.isDryRun();
  const blocking = [
    ...loaded.issues.filter((issue) => issue.severity === "error"),
    ...(deploying ? beforeDeploy : []),
  ];
  if (blocking.length > 0 || !loaded.config) {
    const lines = blocking.map(formatIssue);
    throw new pulumi.RunError(
      [
        `The config of stack "${stack}" has ${blocking.length} problem(s); nothing was deployed:`,
        ...lines,
      ].join("\n"),
    );
  }
  for (const issue of beforeDeploy) pulumi.log.warn(`needed before \`pulumi up\`: ${formatIssue(issue)}`);
  return {
    config: loaded.config,
    secrets: {
      ...(oauthClientSecret ? { oauthClientSecret } : {}),
      ...(databaseUrl ? { databaseUrl } : {}),
      ...(backupKeys.length > 0 ? { backupCredentials } : {}),
      ...(backupPassword ? { backupPassword } : {}),
      ...(smtpPassword ? { smtpPassword } : {}),
    },
  };
}
