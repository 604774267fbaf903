/**
 * Loads the platform config: the stack file and the profile files → zod schema → cross-field
 * rules → one frozen, typed PlatformConfig, or every problem in every file at once with file:line:col.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { closestMatch } from "./did-you-mean";
import {
  type ConfigIssue,
  displayPath,
  formatFieldPath,
  quote,
  type RelatedPlace,
  type RuleIssue,
} from "./issues";
import {
  decodeText,
  MAX_PROFILE_BYTES,
  MAX_STACK_BYTES,
  readTextFile,
  scanProfilesFolder,
} from "./read-files";
import { runRules } from "./rules";
import { type PlatformConfig, platformSchema, stackSectionsSchema } from "./schema/platform";
import { type Profile, profileSchema } from "./schema/profile";
import { choiceAt, knownKeysAt } from "./schema-keys";
import { type FieldPath, parseYamlSource, type SourceDocument } from "./source";

export const PROJECT = "gpu-jupyterhub";
/** Stack config keys that must be Pulumi secrets; they never enter the config object. */
export const SECRET_KEYS = ["oauthClientSecret", "databaseUrl"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

/** Top-level keys Pulumi itself allows in a stack file. */
const PULUMI_STACK_KEYS = ["config", "secretsprovider", "encryptionsalt", "encryptedkey", "environment"];

export interface TextFile {
  readonly file: string;
  /** The file's content: text, or the bytes as read (then it must be UTF-8). */
  readonly text: string | Uint8Array;
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

export interface FromTextOptions {
  /** The profiles folder the files came from, named when it holds none. */
  readonly profilesDir?: string;
  /** The folder was given by the caller (e.g. --profiles), not named by the stack file. */
  readonly profilesDirGiven?: boolean;
  /** Issues found while reading the folder (skipped and refused entries), reported with the rest. */
  readonly folderIssues?: readonly ConfigIssue[];
}

/** Stack config keys the loader reads itself; they are not part of the config object. */
const LOADER_KEYS = ["profilesDir"];
const PROFILES_DIR_KEY = `${PROJECT}:profilesDir`;

/** Reads the files from disk; a missing, unreadable or garbled file or folder is an issue, never an exception. */
export function loadPlatformConfig(options: LoadOptions): LoadResult {
  const missing = (file: string, field: string, message: string): LoadResult => ({
    issues: [{ file, field, message, severity: "error" }],
    secretsSet: new Set(),
  });
  if (!existsSync(options.stackFile)) {
    return missing(
      options.stackFile,
      "(file)",
      "stack file not found; pass --stack NAME for Pulumi.NAME.yaml",
    );
  }
  const stackRead = readTextFile(options.stackFile, MAX_STACK_BYTES);
  if ("issue" in stackRead) return { issues: [stackRead.issue], secretsSet: new Set() };
  const stackText = stackRead.text;
  const profilesDir = options.profilesDir ?? profilesDirOf(options.stackFile, stackText);
  if (!existsSync(profilesDir) || !statSync(profilesDir).isDirectory()) {
    // The stack's own mistakes (syntax, a misspelt `config:`) explain a missing folder best; show them first.
    const stackOnly = loadPlatformConfigFromText({ file: options.stackFile, text: stackText }, [], {
      profilesDir,
    });
    const inStack = stackOnly.issues.filter((issue) => issue.file === options.stackFile);
    const stackProblems = inStack.filter((issue) => issue.field === "(syntax)" || issue.field === "(file)");
    if (stackProblems.length > 0 || inStack.some((issue) => issue.field === "config")) {
      return {
        issues: stackProblems.length > 0 ? stackProblems : inStack,
        secretsSet: stackOnly.secretsSet,
      };
    }
    const what = existsSync(profilesDir) ? "is not a folder" : "profiles folder not found";
    const named = options.profilesDir === undefined ? stackNamedDir(options.stackFile, stackText) : undefined;
    const where = named ? ` (named by ${PROFILES_DIR_KEY} at ${named})` : "";
    // The stack's own problems are reported with it: one run shows everything.
    return {
      issues: [
        ...inStack,
        {
          file: profilesDir,
          field: "(folder)",
          message: `${what}${where}; pass --profiles DIR or set ${PROFILES_DIR_KEY} in the stack file`,
          severity: "error",
        },
      ],
      secretsSet: stackOnly.secretsSet,
    };
  }
  const folder = scanProfilesFolder(profilesDir);
  const folderIssues: ConfigIssue[] = [...folder.issues];
  const profileFiles: TextFile[] = [];
  for (const file of folder.files) {
    const read = readTextFile(file, MAX_PROFILE_BYTES);
    if ("issue" in read) folderIssues.push(read.issue);
    else profileFiles.push({ file, text: read.text });
  }
  return loadPlatformConfigFromText({ file: options.stackFile, text: stackText }, profileFiles, {
    profilesDir,
    profilesDirGiven: options.profilesDir !== undefined,
    folderIssues,
  });
}

/** Where the stack file names its profiles folder ("Pulumi.dev.yaml:68:3"), if it does. */
function stackNamedDir(stackFile: string, stackText: string): string | undefined {
  const parsed = parseYamlSource(stackFile, stackText);
  if (Array.isArray(parsed)) return undefined;
  const position = parsed.locateExact(["config", PROFILES_DIR_KEY]);
  return position ? `${displayPath(stackFile)}:${position.line}:${position.col}` : undefined;
}

/** The profiles folder a stack names, relative to the stack file; syntax errors surface later. */
export function profilesDirOf(stackFile: string, stackText: string): string {
  const parsed = parseYamlSource(stackFile, stackText);
  const config = Array.isArray(parsed)
    ? undefined
    : (parsed.data as { config?: Record<string, unknown> } | undefined)?.config;
  const named = typeof config === "object" && config !== null ? config[PROFILES_DIR_KEY] : undefined;
  return path.resolve(path.dirname(stackFile), typeof named === "string" ? named : "config/profiles");
}

/** The pure core: text in, config or issues out. Every file is checked, whatever the others hold. */
export function loadPlatformConfigFromText(
  stackFile: TextFile,
  profileFiles: readonly TextFile[],
  options: FromTextOptions = {},
): LoadResult {
  const issues: ConfigIssue[] = [...(options.folderIssues ?? [])];
  const stack = parseDocument(stackFile, "one stack (one `config:` mapping)", issues);
  const parsedProfiles = profileFiles.map((profile) =>
    parseDocument(profile, "one profile (one card on the spawn page)", issues),
  );
  const everyFileRead = !issues.some((issue) => issue.severity === "error" && issue.file !== stackFile.file);
  if (profileFiles.length === 0 && everyFileRead) {
    issues.push(emptyFolderIssue(options.profilesDir, stack, options.profilesDirGiven ?? false));
  }

  // Each profile against the profile schema on its own, so one file's mistakes never hide another's.
  const profileDocs = parsedProfiles.filter((profile): profile is SourceDocument => profile !== undefined);
  const profileLocator = new Locator(stack, new Map(), profileDocs);
  const goodProfiles: { doc: SourceDocument; data: Profile }[] = [];
  profileDocs.forEach((doc, index) => {
    const parsed = profileSchema.safeParse(doc.data, { reportInput: true });
    if (parsed.success) goodProfiles.push({ doc, data: parsed.data });
    else {
      for (const issue of parsed.error.issues) {
        const at = { ...issue, path: ["profiles", index, ...issue.path] } as z.core.$ZodIssue;
        issues.push(...profileLocator.fromZod(at));
      }
    }
  });
  if (!stack) return { issues, secretsSet: new Set() };

  const split = splitStackConfig(stack, issues);
  if (!split.hasConfig) return { issues, secretsSet: split.secretsSet };
  const sections = stackSectionsSchema.safeParse(split.sections, { reportInput: true });
  const stackLocator = new Locator(stack, split.keyOf, profileDocs);
  if (!sections.success) {
    issues.push(...sections.error.issues.flatMap((issue) => stackLocator.fromZod(issue)));
    return { issues, secretsSet: split.secretsSet };
  }
  // The rules see the stack and every profile that passed its schema. Rules about the set as a
  // whole (exactly one default) would mislead while a profile is missing from it.
  const config: PlatformConfig = { ...sections.data, profiles: goodProfiles.map((profile) => profile.data) };
  const completeSet = everyFileRead && goodProfiles.length === profileDocs.length && profileFiles.length > 0;
  const ruleLocator = new Locator(
    stack,
    split.keyOf,
    goodProfiles.map((profile) => profile.doc),
  );
  issues.push(...runRules(config, { completeSet }).map((issue) => ruleLocator.fromRule(issue)));
  const failed = issues.some((issue) => issue.severity === "error");
  return {
    ...(failed ? {} : { config: deepFreeze(config) }),
    issues,
    secretsSet: split.secretsSet,
  };
}

function emptyFolderIssue(
  profilesDir: string | undefined,
  stack: SourceDocument | undefined,
  given: boolean,
): ConfigIssue {
  const named = given ? undefined : stack?.locateExact(["config", PROFILES_DIR_KEY]);
  const why = given
    ? ""
    : named
      ? ` (the folder ${PROFILES_DIR_KEY} names at ${displayPath(stack?.file ?? "")}:${named.line}:${named.col})`
      : ` (the default folder; another can be named with ${PROFILES_DIR_KEY} in the stack file)`;
  return {
    file: profilesDir ?? "(profiles folder)",
    field: "(folder)",
    message: `holds no profile files (*.yaml)${why}; add one, e.g. a copy of config/profiles/10-cpu-default.yaml (docs/profiles.md)`,
    severity: "error",
    ...(named && stack ? { related: [{ file: stack.file, position: named, field: PROFILES_DIR_KEY }] } : {}),
  };
}

function parseDocument(source: TextFile, holds: string, issues: ConfigIssue[]): SourceDocument | undefined {
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
        `unknown stack file key ${quote(key)}${hint ? `; did you mean "${hint}"?` : `; valid keys: ${PULUMI_STACK_KEYS.join(", ")}`}`,
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

interface Place {
  readonly doc: SourceDocument;
  readonly yamlPath: FieldPath;
  readonly fieldPath: FieldPath;
}

/** Maps a path in the platform config back to the file, line and field where it is written. */
class Locator {
  constructor(
    private readonly stack: SourceDocument | undefined,
    private readonly keyOf: Map<string, string>,
    private readonly profiles: readonly SourceDocument[],
  ) {}

  fromRule(issue: RuleIssue): ConfigIssue {
    const related: RelatedPlace[] = [];
    let message = issue.message;
    (issue.refs ?? []).forEach((ref, index) => {
      const place = this.place(ref);
      const position = place?.doc.locateExact(place.yamlPath);
      const file = place?.doc.file ?? "";
      const text = position
        ? `${displayPath(file)}:${position.line}:${position.col}`
        : `the default, not set in ${displayPath(file)}`;
      if (place)
        related.push({ file, ...(position ? { position } : {}), field: formatFieldPath(place.fieldPath) });
      message = message.replaceAll(`{${index}}`, text);
    });
    const located = this.at(issue.path, "value", message, issue.severity ?? "error");
    return related.length > 0 ? { ...located, related } : located;
  }

  fromZod(issue: z.core.$ZodIssue): ConfigIssue[] {
    if (issue.code === "unrecognized_keys") {
      // In a choice (`type: authentik`), the keys of the picked option; a key of another option says so.
      const choice = choiceAt(platformSchema, issue.path as FieldPath, (issue as { input?: unknown }).input);
      const known = choice?.keys ?? knownKeysAt(platformSchema, issue.path as FieldPath);
      return issue.keys.map((key) => {
        const other = choice?.elsewhere.get(key);
        const hint = other ? undefined : closestMatch(key, known);
        const advice = other
          ? `(a field of ${choice?.discriminator} ${other}); valid keys with ${choice?.discriminator} ${choice?.chosen}: ${known.join(", ")}`
          : hint
            ? `did you mean "${hint}"?`
            : `valid keys: ${known.join(", ")}`;
        return this.at(
          [...(issue.path as FieldPath), key],
          "key",
          `unknown key ${quote(key)}${other ? " " : "; "}${advice}`,
          "error",
        );
      });
    }
    return [this.at(issue.path as FieldPath, "value", describeZodIssue(issue), "error")];
  }

  private place(configPath: FieldPath): Place | undefined {
    const [head, ...rest] = configPath;
    if (head === "profiles" && typeof rest[0] === "number") {
      const doc = this.profiles[rest[0]];
      return doc ? { doc, yamlPath: rest.slice(1), fieldPath: rest.slice(1) } : undefined;
    }
    if (!this.stack) return undefined;
    if (head === undefined) return { doc: this.stack, yamlPath: ["config"], fieldPath: [] };
    const key = this.keyOf.get(String(head)) ?? `${PROJECT}:${head}`;
    return { doc: this.stack, yamlPath: ["config", key, ...rest], fieldPath: configPath };
  }

  private at(configPath: FieldPath, at: "key" | "value", message: string, severity: ConfigIssue["severity"]) {
    const place = this.place(configPath);
    if (!place) return { file: "(unknown)", field: formatFieldPath(configPath), message, severity };
    const position = place.doc.locate(place.yamlPath, at);
    return {
      file: place.doc.file,
      ...(position ? { position } : {}),
      field: formatFieldPath(place.fieldPath),
      message,
      severity,
    };
  }
}

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)\s*$/i;
const SECONDS_PER: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const YAML_11_BOOLEANS = /^(yes|no|on|off|y|n)$/i;

function describeZodIssue(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === "invalid_union" && "discriminator" in issue && issue.discriminator) {
    // An option whose discriminator has a default also matches a missing one (undefined): not a value to write.
    const options = ((issue as { options?: unknown[] }).options ?? [])
      .filter((option) => option !== undefined && option !== null)
      .map((option) => JSON.stringify(option));
    const given = (input as Record<string, unknown> | undefined)?.[issue.discriminator as string];
    return `must be one of ${options.join(", ")}, got ${given === undefined ? "nothing" : quote(given)}`;
  }
  if (input === undefined) return "is required";
  if (issue.code === "invalid_type") return describeWrongType(issue, input);
  if (issue.code === "invalid_value") {
    return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}, got ${quote(input)}`;
  }
  if ((issue.code === "too_small" || issue.code === "too_big") && /^Too (small|big)/.test(issue.message)) {
    const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
    const word = issue.code === "too_small" ? "at least" : "at most";
    const unit = issue.origin === "array" ? " item(s)" : issue.origin === "string" ? " character(s)" : "";
    const size =
      typeof input === "string" && unit !== ""
        ? ` (${[...input].length})`
        : Array.isArray(input)
          ? ` (${input.length})`
          : "";
    return `must be ${word} ${String(bound)}${unit}, got ${quote(input)}${size}`;
  }
  return issue.message;
}

function describeWrongType(issue: z.core.$ZodIssue & { code: "invalid_type" }, input: unknown): string {
  const got = `got ${quote(input)}`;
  const last = issue.path[issue.path.length - 1];
  if (issue.expected === "number" && typeof input === "string") {
    const duration = DURATION.exec(input);
    if (duration && /timeout|runtime|age|every/i.test(String(last))) {
      const unit = (duration[2] as string)[0]?.toLowerCase() as string;
      const value = Math.round(Number(duration[1]) * (SECONDS_PER[unit] ?? 1));
      return `expected a number of seconds, ${got}; write ${value}`;
    }
    if (input.trim() !== "" && Number.isFinite(Number(input)))
      return `expected a number, ${got}; write ${input.trim()} without quotes`;
  }
  if (issue.expected === "boolean" && typeof input === "string" && YAML_11_BOOLEANS.test(input)) {
    return `expected true or false, ${got} (YAML 1.2 reads yes/no/on/off as text); write ${/^(yes|on|y)$/i.test(input) ? "true" : "false"}`;
  }
  if (issue.expected === "array" && (typeof input === "string" || typeof input === "number")) {
    return `expected a list, ${got}; write [${String(input).length > 40 ? "…" : String(input)}]`;
  }
  if (issue.expected === "object") {
    const keys = knownKeysAt(platformSchema, issue.path as FieldPath);
    const shape =
      keys.length > 0 ? ` with ${keys.slice(0, 6).join(", ")}${keys.length > 6 ? ", …" : ""}` : "";
    return `expected a mapping${shape}, ${got}`;
  }
  const article = /^[aeiou]/.test(issue.expected) ? "an" : "a";
  return `expected ${issue.expected === "number" || issue.expected === "string" || issue.expected === "boolean" ? issue.expected : `${article} ${issue.expected}`}, ${got}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
