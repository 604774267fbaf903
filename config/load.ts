/**
 * Loads the platform config: the stack file and the profile files → zod schema → cross-field
 * rules → one frozen, typed PlatformConfig, or every problem at once with file:line:col.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { closestMatch } from "./did-you-mean";
import { type ConfigIssue, formatFieldPath, type RuleIssue } from "./issues";
import { runRules } from "./rules";
import { type PlatformConfig, platformSchema } from "./schema/platform";
import { knownKeysAt } from "./schema-keys";
import { type FieldPath, parseYamlSource, type SourceDocument } from "./source";

export const PROJECT = "gpu-jupyterhub";
/** Stack config keys that must be Pulumi secrets; they never enter the config object. */
export const SECRET_KEYS = ["oauthClientSecret", "databaseUrl"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Top-level keys Pulumi itself allows in a stack file. */
const PULUMI_STACK_KEYS = ["config", "secretsprovider", "encryptionsalt", "encryptedkey", "environment"];

export interface TextFile {
  readonly file: string;
  readonly text: string;
}

export interface LoadResult {
  /** The validated config; absent when any issue has severity "error". */
  readonly config?: PlatformConfig;
  readonly issues: readonly ConfigIssue[];
  /** Which secret keys the stack file sets (as `secure:` values); values are never read. */
  readonly secretsSet: ReadonlySet<SecretKey>;
}

export interface LoadOptions {
  readonly stackFile: string;
  /** Default: the stack's `gpu-jupyterhub:profilesDir`, else config/profiles beside the stack file. */
  readonly profilesDir?: string;
}

/** Stack config keys the loader reads itself; they are not part of the config object. */
const LOADER_KEYS = ["profilesDir"];

/** Reads the files from disk; a missing file or folder is an issue, never an exception. */
export function loadPlatformConfig(options: LoadOptions): LoadResult {
  const missing = (file: string, message: string): LoadResult => ({
    issues: [{ file, field: "(file)", message, severity: "error" }],
    secretsSet: new Set(),
  });
  if (!existsSync(options.stackFile)) {
    return missing(options.stackFile, "stack file not found; pass --stack NAME for Pulumi.NAME.yaml");
  }
  const stackText = readFileSync(options.stackFile, "utf8");
  const profilesDir = options.profilesDir ?? profilesDirOf(options.stackFile, stackText);
  if (!existsSync(profilesDir) || !statSync(profilesDir).isDirectory()) {
    // The stack's own mistakes (syntax, a misspelt `config:`) explain a missing folder best; show them first.
    const stackOnly = loadPlatformConfigFromText({ file: options.stackFile, text: stackText }, []);
    const stackProblems = stackOnly.issues.filter(
      (issue) => issue.field === "(syntax)" || issue.field === "(file)",
    );
    if (stackProblems.length > 0 || stackOnly.issues.some((issue) => issue.field === "config")) {
      return { issues: stackOnly.issues, secretsSet: stackOnly.secretsSet };
    }
    return missing(profilesDir, "profiles folder not found; pass --profiles DIR");
  }
  const profileFiles = readdirSync(profilesDir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(profilesDir, name));
  return loadPlatformConfigFromText(
    { file: options.stackFile, text: stackText },
    profileFiles.map((file) => ({ file, text: readFileSync(file, "utf8") })),
  );
}

/** The profiles folder a stack names, relative to the stack file; syntax errors surface later. */
export function profilesDirOf(stackFile: string, stackText: string): string {
  const parsed = parseYamlSource(stackFile, stackText);
  const config = Array.isArray(parsed)
    ? undefined
    : (parsed.data as { config?: Record<string, unknown> }).config;
  const named = config?.[`${PROJECT}:profilesDir`];
  return path.resolve(path.dirname(stackFile), typeof named === "string" ? named : "config/profiles");
}

/** The pure core: text in, config or issues out. */
export function loadPlatformConfigFromText(
  stackFile: TextFile,
  profileFiles: readonly TextFile[],
): LoadResult {
  const issues: ConfigIssue[] = [];
  const stack = parseDocument(stackFile, issues);
  const parsedProfiles = profileFiles.map((profile) => parseDocument(profile, issues));
  if (!stack) return { issues, secretsSet: new Set() };
  const profiles = parsedProfiles.filter((profile): profile is SourceDocument => profile !== undefined);
  const everyFileParsed = profiles.length === parsedProfiles.length;

  const split = splitStackConfig(stack, issues);
  if (!split.hasConfig) return { issues, secretsSet: split.secretsSet };
  const locator = new Locator(stack, split.keyOf, profiles);
  const input = { ...split.sections, profiles: profiles.map((profile) => profile.data) };
  const parsed = platformSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    issues.push(...parsed.error.issues.flatMap((issue) => locator.fromZod(issue)));
    return { issues, secretsSet: split.secretsSet };
  }
  // Rules about the whole profile set (one default, unique slugs) would mislead while a file is unreadable.
  if (everyFileParsed) issues.push(...runRules(parsed.data).map((issue) => locator.fromRule(issue)));
  const failed = issues.some((issue) => issue.severity === "error");
  return {
    ...(failed ? {} : { config: deepFreeze(parsed.data) }),
    issues,
    secretsSet: split.secretsSet,
  };
}

function parseDocument(source: TextFile, issues: ConfigIssue[]): SourceDocument | undefined {
  const parsed = parseYamlSource(source.file, source.text);
  if (!Array.isArray(parsed)) {
    if (typeof parsed.data === "object" && parsed.data !== null && !Array.isArray(parsed.data)) return parsed;
    issues.push({
      file: source.file,
      position: { line: 1, col: 1 },
      field: "(file)",
      message: "must hold a YAML mapping of fields (key: value)",
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

interface SplitStack {
  readonly sections: Record<string, unknown>;
  /** The key as written in the file for each section (with or without the project prefix). */
  readonly keyOf: Map<string, string>;
  readonly secretsSet: Set<SecretKey>;
  /** False when the file has no `config:` mapping: then nothing else is worth checking. */
  readonly hasConfig: boolean;
}

function splitStackConfig(stack: SourceDocument, issues: ConfigIssue[]): SplitStack {
  const sections: Record<string, unknown> = {};
  const keyOf = new Map<string, string>();
  const secretsSet = new Set<SecretKey>();
  const data = stack.data as Record<string, unknown>;
  for (const key of Object.keys(data)) {
    if (PULUMI_STACK_KEYS.includes(key)) continue;
    const hint = closestMatch(key, PULUMI_STACK_KEYS);
    issues.push(
      issueAt(
        stack,
        [key],
        "key",
        `unknown stack file key "${key}"${hint ? `; did you mean "${hint}"?` : ""}`,
      ),
    );
  }
  const config = data.config;
  if (config === undefined || config === null || typeof config !== "object" || Array.isArray(config)) {
    issues.push(
      issueAt(stack, ["config"], "key", `the stack file needs a \`config:\` mapping with ${PROJECT}:* keys`),
    );
    return { sections, keyOf, secretsSet, hasConfig: false };
  }
  for (const [key, value] of Object.entries(config)) {
    const [namespace, name] = key.includes(":") ? key.split(":", 2) : [PROJECT, key];
    if (namespace !== PROJECT || name === undefined) continue; // other providers' settings, e.g. kubernetes:context
    if (LOADER_KEYS.includes(name)) continue;
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
    sections[name] = value;
    keyOf.set(name, key);
  }
  return { sections, keyOf, secretsSet, hasConfig: true };
}

function isSecureValue(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && typeof (value as { secure?: unknown }).secure === "string"
  );
}

function issueAt(
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

/** Maps a path in the platform config back to the file, line and field where it is written. */
class Locator {
  constructor(
    private readonly stack: SourceDocument,
    private readonly keyOf: Map<string, string>,
    private readonly profiles: readonly SourceDocument[],
  ) {}

  fromRule(issue: RuleIssue): ConfigIssue {
    return this.at(issue.path, "value", issue.message, issue.severity ?? "error");
  }

  fromZod(issue: z.core.$ZodIssue): ConfigIssue[] {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(platformSchema, issue.path as FieldPath);
      return issue.keys.map((key) => {
        const hint = closestMatch(key, known);
        const advice = hint ? `did you mean "${hint}"?` : `valid keys: ${known.join(", ")}`;
        return this.at(
          [...(issue.path as FieldPath), key],
          "key",
          `unknown key "${key}"; ${advice}`,
          "error",
        );
      });
    }
    return [this.at(issue.path as FieldPath, "value", describeZodIssue(issue), "error")];
  }

  private at(configPath: FieldPath, at: "key" | "value", message: string, severity: ConfigIssue["severity"]) {
    const [head, ...rest] = configPath;
    if (head === "profiles" && typeof rest[0] === "number") {
      const doc = this.profiles[rest[0]] as SourceDocument;
      return this.issue(doc, rest.slice(1), rest.slice(1), at, message, severity);
    }
    if (head === undefined) return this.issue(this.stack, ["config"], [], at, message, severity);
    const key = this.keyOf.get(String(head)) ?? `${PROJECT}:${head}`;
    return this.issue(this.stack, ["config", key, ...rest], configPath, at, message, severity);
  }

  private issue(
    doc: SourceDocument,
    yamlPath: FieldPath,
    fieldPath: FieldPath,
    at: "key" | "value",
    message: string,
    severity: ConfigIssue["severity"],
  ): ConfigIssue {
    const position = doc.locate(yamlPath, at);
    return {
      file: doc.file,
      ...(position ? { position } : {}),
      field: formatFieldPath(fieldPath),
      message,
      severity,
    };
  }
}

function describeZodIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator) {
    const options = ((issue as { options?: unknown[] }).options ?? []).map((option) =>
      JSON.stringify(option),
    );
    const given = (input as Record<string, unknown> | undefined)?.[issue.discriminator as string];
    return `must be one of ${options.join(", ")}, got ${given === undefined ? "nothing" : describeValue(given)}`;
  }
  if (input === undefined) return "is required";
  if (issue.code === "invalid_type") return `expected ${issue.expected}, got ${describeValue(input)}`;
  if (issue.code === "invalid_value") {
    return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}, got ${describeValue(input)}`;
  }
  if ((issue.code === "too_small" || issue.code === "too_big") && /^Too (small|big)/.test(issue.message)) {
    const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
    const word = issue.code === "too_small" ? "at least" : "at most";
    const unit = issue.origin === "array" ? " item(s)" : issue.origin === "string" ? " character(s)" : "";
    return `must be ${word} ${String(bound)}${unit}, got ${describeValue(input)}`;
  }
  return issue.message;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
