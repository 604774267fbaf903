/**
 * Loads the platform config: the stack file and the profile files → zod schema → cross-field
 * rules → one frozen, typed PlatformConfig, or every problem in every file at once with file:line:col.
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { type ConfigIssue, displayPath } from "./issues";
import { Locator } from "./locator";
import { unnamedSecrets } from "./named-secrets";
import { PROFILES_DIR_KEY, type SecretKey, type TextFile } from "./project";
import { MAX_PROFILE_BYTES, MAX_STACK_BYTES, readTextFile, scanProfilesFolder } from "./read-files";
import { runRules } from "./rules";
import { type PlatformConfig, stackSectionsSchema } from "./schema/platform";
import { type Profile, profileSchema } from "./schema/profile";
import { parseYamlSource, type SourceDocument } from "./source";
import { parseDocument, splitStackConfig } from "./stack-file";

export { PROJECT, SECRET_KEYS, type SecretKey, type TextFile } from "./project";

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
  issues.push(...unnamedSecrets(config, split.namedSecrets, stack));
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

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
