/**
 * Where an issue is written: maps a path in the platform config (from zod or a cross-field rule)
 * back to the file, line and field, and words zod's issues for people who edit YAML.
 */
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
import { PROJECT } from "./project";
import { platformSchema } from "./schema/platform";
import { choiceAt, knownKeysAt } from "./schema-keys";
import type { FieldPath, SourceDocument } from "./source";

interface Place {
  readonly doc: SourceDocument;
  readonly yamlPath: FieldPath;
  readonly fieldPath: FieldPath;
}

/** Maps a path in the platform config back to the file, line and field where it is written. */
export class Locator {
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
