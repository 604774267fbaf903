/**
 * Secrets whose config key the stack chooses: the external database's URL (database.urlSecretKey,
 * unless it is the fixed `databaseUrl`), the backup repository's credentials and password
 * (backup.repository.credentials, backup.repository.passwordSecretKey), and the idle-GPU notifier's
 * SMTP password (monitoring.notifier.smtp.passwordSecretKey). The stack file holds them as
 * `gpu-jupyterhub:<key>: {secure: ...}`; one the config does not name is refused, as an unknown
 * section would be (a typo would otherwise leave the secret unused and the deploy without it).
 */
import type { ConfigIssue } from "./issues";
import type { PlatformConfig } from "./schema/platform";
import type { SourceDocument } from "./source";
import { issueAt } from "./stack-file";

/** The secret config keys the config names. */
export function namedSecretKeys(config: PlatformConfig): Set<string> {
  const keys = new Set<string>();
  if (config.database.type === "external") keys.add(config.database.urlSecretKey);
  if (config.backup.enabled) {
    for (const key of Object.values(config.backup.repository.credentials)) keys.add(key);
    if (config.backup.repository.passwordSecretKey) keys.add(config.backup.repository.passwordSecretKey);
  }
  const { notifier } = config.monitoring;
  if (notifier.enabled && notifier.smtp.passwordSecretKey) keys.add(notifier.smtp.passwordSecretKey);
  return keys;
}

/** An issue for each named secret of the stack file that the config does not name. */
export function unnamedSecrets(
  config: PlatformConfig,
  namedSecrets: ReadonlyMap<string, string>,
  stack: SourceDocument,
): ConfigIssue[] {
  const named = namedSecretKeys(config);
  return [...namedSecrets]
    .filter(([name]) => !named.has(name))
    .map(([, key]) =>
      issueAt(
        stack,
        ["config", key],
        "key",
        "a secret no field names: list it in backup.repository.credentials or passwordSecretKey, database.urlSecretKey or monitoring.notifier.smtp.passwordSecretKey, or remove it",
      ),
    );
}
