/** Config problems, and the one place they are formatted for people. */
import type { FieldPath, Position } from "./source";

export type Severity = "error" | "deploy";

/** A problem found by a rule, addressed by its path in the platform config. */
export interface RuleIssue {
  readonly path: FieldPath;
  readonly message: string;
  /** "deploy": fine for validate/render, but `pulumi up` must not run until it is fixed. */
  readonly severity?: Severity;
}

/** A problem located in a file. */
export interface ConfigIssue {
  readonly file: string;
  readonly position?: Position;
  /** Dotted field path inside the file, e.g. `nodes[0].mig.layout[1].slices`. */
  readonly field: string;
  readonly message: string;
  readonly severity: Severity;
}

export function formatFieldPath(path: FieldPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text === "" ? "(top level)" : text;
}

/** `FILE:LINE:COL: FIELD: message`, the form editors and CI annotate. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.position ? `${issue.file}:${issue.position.line}:${issue.position.col}` : issue.file;
  return `${where}: ${issue.field}: ${issue.message}`;
}
