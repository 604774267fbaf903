/** Config problems, and the one place they are formatted for people. */
import path from "node:path";
import type { FieldPath, Position } from "./source";

/**
 * "error": the config is refused. "deploy": fine for validate/render, but `pulumi up` must not run
 * until it is fixed. "note": nothing wrong, but worth a line (e.g. an editor's backup file that
 * the loader skipped).
 */
export type Severity = "error" | "deploy" | "note";

/** A problem found by a rule, addressed by its path in the platform config. */
export interface RuleIssue {
  readonly path: FieldPath;
  readonly message: string;
  readonly severity?: Severity;
  /**
   * Other places the message names: `{0}`, `{1}`, … in the message are replaced by where each is
   * written ("Pulumi.prod.yaml:86:14"), or by "not set in FILE: the default" for a default value.
   */
  readonly refs?: readonly FieldPath[];
}

/** Where another field a message refers to is written. */
export interface RelatedPlace {
  readonly file: string;
  readonly position?: Position;
  readonly field: string;
}

/** A problem located in a file. */
export interface ConfigIssue {
  readonly file: string;
  readonly position?: Position;
  /** Dotted field path inside the file, e.g. `nodes[0].mig.layout[1].slices`, or "(file)", "(folder)". */
  readonly field: string;
  readonly message: string;
  readonly severity: Severity;
  /** The other places the message names (a first use of a slug, the stack's culler setting). */
  readonly related?: readonly RelatedPlace[];
}

export function formatFieldPath(path: FieldPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? quoteKey(segment) : `.${quoteKey(segment)}`;
  }
  return text === "" ? "(top level)" : text;
}

/** A key as part of a field path: long or odd keys are shortened so a line stays readable. */
function quoteKey(key: string): string {
  return key.length > MAX_ECHO ? `${key.slice(0, MAX_ECHO)}…` : key;
}

/** `FILE:LINE:COL: FIELD: message`, the form editors and CI annotate. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.position ? `${issue.file}:${issue.position.line}:${issue.position.col}` : issue.file;
  return `${where}: ${issue.field}: ${issue.message}`;
}

/** How many characters of a value a message echoes before it is cut with "…". */
export const MAX_ECHO = 60;

/**
 * A value as messages quote it: strings in double quotes, cut to MAX_ECHO characters with an
 * ellipsis, and control characters escaped, so that a pasted paragraph or a binary blob never
 * floods the terminal.
 */
export function quote(value: unknown, max = MAX_ECHO): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value !== "string") return String(value);
  const chars = [...value];
  const cut = chars.length > max ? `${chars.slice(0, max).join("")}…` : value;
  return JSON.stringify(cut);
}

/** Relative to the working directory when inside it, so editors and terminals can open it. */
export function displayPath(file: string): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(process.cwd(), file);
  return relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}
