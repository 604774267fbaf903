/**
 * The stack file as the loader reads it: decoded and parsed with source positions, and its
 * `config:` mapping split into the platform's sections, the loader's own keys and the secrets
 * (which must be Pulumi secrets and never enter the config object).
 */
import { closestMatch } from "./did-you-mean";
import { type ConfigIssue, formatFieldPath, quote } from "./issues";
import {
  LOADER_KEYS,
  PROJECT,
  PULUMI_STACK_KEYS,
  SECRET_KEYS,
  type SecretKey,
  type TextFile,
} from "./project";
import { decodeText } from "./read-files";
import { stackSectionsSchema } from "./schema/platform";
import { type FieldPath, parseYamlSource, type SourceDocument } from "./source";

export function parseDocument(
  source: TextFile,
  holds: string,
  issues: ConfigIssue[],
): SourceDocument | undefined {
  const decoded = decodeText(source.file, source.text);
  if ("issue" in decoded) {
    issues.push(decoded.issue);
    return undefined;
  }
  const parsed = parseYamlSource(source.file, decoded.text, { holds });
  if (!Array.isArray(parsed)) {
    if (typeof parsed.data === "object" && parsed.data !== null && !Array.isArray(parsed.data)) return parsed;
    issues.push({
      file: source.file,
      position: { line: 1, col: 1 },
      field: "(file)",
      message: `must hold a YAML mapping of fields (key: value), not ${Array.isArray(parsed.data) ? "a list" : `the single value ${quote(parsed.data)}`}`,
      severity: "error",
    });
    return undefined;
  }
  for (const problem of parsed) {
    issues.push({
      file: problem.file,
      ...(problem.position ? { position: problem.position } : {}),
      field: problem.field,
      message: problem.message,
      severity: "error",
    });
  }
  return undefined;
}

/** The stack file's sections (`gpu-jupyterhub:<section>`); a secret under any other name is a named secret. */
const SECTION_NAMES: ReadonlySet<string> = new Set(Object.keys(stackSectionsSchema.shape));

export interface SplitStack {
  readonly sections: Record<string, unknown>;
  /** The key as written in the file for each section (with or without the project prefix). */
  readonly keyOf: Map<string, string>;
  readonly secretsSet: Set<SecretKey>;
  /**
   * Secrets under names the config chooses (backup.repository.credentials, passwordSecretKey,
   * database.urlSecretKey): `secure:` values under a name that is no section. The loader refuses
   * those the config does not name (config/named-secrets.ts). Name -> the key as written.
   */
  readonly namedSecrets: Map<string, string>;
  /** False when the file has no `config:` mapping: then nothing else is worth checking. */
  readonly hasConfig: boolean;
}

export function splitStackConfig(stack: SourceDocument, issues: ConfigIssue[]): SplitStack {
  const sections: Record<string, unknown> = {};
  const keyOf = new Map<string, string>();
  const secretsSet = new Set<SecretKey>();
  const namedSecrets = new Map<string, string>();
  const data = stack.data as Record<string, unknown>;
  for (const key of Object.keys(data)) {
    if (PULUMI_STACK_KEYS.includes(key)) continue;
    const hint = closestMatch(key, PULUMI_STACK_KEYS);
    issues.push(
      issueAt(
        stack,
        [key],
        "key",
        `unknown stack file key ${quote(key)}${hint ? `; did you mean "${hint}"?` : `; valid keys: ${PULUMI_STACK_KEYS.join(", ")}`}`,
      ),
    );
  }
  const config = data.config;
  if (config === undefined || config === null || typeof config !== "object" || Array.isArray(config)) {
    issues.push(
      issueAt(stack, ["config"], "key", `the stack file needs a \`config:\` mapping with ${PROJECT}:* keys`),
    );
    return { sections, keyOf, secretsSet, namedSecrets, hasConfig: false };
  }
  for (const [key, value] of Object.entries(config)) {
    const [namespace, name] = key.includes(":") ? key.split(":", 2) : [PROJECT, key];
    if (namespace !== PROJECT || name === undefined) continue; // other providers' settings, e.g. kubernetes:context
    if (LOADER_KEYS.includes(name)) {
      if (typeof value !== "string" || value.trim() === "") {
        issues.push(
          issueAt(
            stack,
            ["config", key],
            "value",
            "must be a folder path relative to the stack file, e.g. config/profiles",
          ),
        );
      }
      continue;
    }
    if ((SECRET_KEYS as readonly string[]).includes(name)) {
      if (isSecureValue(value)) secretsSet.add(name as SecretKey);
      else {
        issues.push(
          issueAt(
            stack,
            ["config", key],
            "value",
            `must be a Pulumi secret: run \`pulumi config set --secret ${key}\``,
          ),
        );
      }
      continue;
    }
    if (isSecureValue(value) && !SECTION_NAMES.has(name)) {
      namedSecrets.set(name, key);
      continue;
    }
    sections[name] = value;
    keyOf.set(name, key);
  }
  return { sections, keyOf, secretsSet, namedSecrets, hasConfig: true };
}

function isSecureValue(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && typeof (value as { secure?: unknown }).secure === "string"
  );
}

export function issueAt(
  doc: SourceDocument,
  yamlPath: FieldPath,
  at: "key" | "value",
  message: string,
): ConfigIssue {
  const position = doc.locate(yamlPath, at);
  return {
    file: doc.file,
    ...(position ? { position } : {}),
    field: formatFieldPath(yamlPath),
    message,
    severity: "error",
  };
}
