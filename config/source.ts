/** YAML documents that remember where every value came from, so errors can name file:line:col. */
import {
  type Document,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";

export type FieldPath = readonly (string | number)[];

export interface Position {
  readonly line: number;
  readonly col: number;
}

export interface SourceDocument {
  readonly file: string;
  readonly data: unknown;
  /** Where the value at `path` is written; for a missing field, where its nearest parent is. */
  locate(path: FieldPath, at?: "key" | "value"): Position | undefined;
  /** Where the value at `path` is written, or undefined when the file does not write it. */
  locateExact(path: FieldPath, at?: "key" | "value"): Position | undefined;
}

export interface SyntaxProblem {
  readonly file: string;
  /** "(syntax)" for YAML errors, "(file)" for a file with nothing in it. */
  readonly field: "(syntax)" | "(file)";
  readonly position?: Position;
  readonly message: string;
}

export interface ParseOptions {
  /** What one document of this file holds, for the message about a second one ("one profile"). */
  readonly holds?: string;
}

/**
 * Aliases expand to copies of what they name; past this many values in all, a file is an "alias
 * bomb" (a few lines that expand to millions of values), not configuration.
 */
export const MAX_EXPANDED_VALUES = 10_000;
/** What a message quotes of the YAML library's own text. */
const MAX_LIBRARY_MESSAGE = 200;

export function parseYamlSource(
  file: string,
  text: string,
  options: ParseOptions = {},
): SourceDocument | SyntaxProblem[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => toPosition(lines, offset);
  if (doc.errors.length > 0) {
    return doc.errors.map((error) => ({
      file,
      field: "(syntax)" as const,
      position: at(error.pos[0]),
      message:
        error.code === "MULTIPLE_DOCS"
          ? `a second YAML document starts here ("---"); the file must hold ${options.holds ?? "one document"}: remove this "---" line or move what follows into a file of its own`
          : `YAML syntax: ${firstLine(error.message)}`,
    }));
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return [
      {
        file,
        field: "(file)",
        position: { line: 1, col: 1 },
        message: "the file is empty; it must hold a YAML mapping",
      },
    ];
  }
  const structural = structuralProblems(doc, file, at);
  if (structural.length > 0) return structural;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (error) {
    // Not expected after the checks above; still a located problem, never a crash.
    return [
      {
        file,
        field: "(syntax)",
        position: { line: 1, col: 1 },
        message: `YAML: ${firstLine(String((error as Error).message))}`,
      },
    ];
  }
  const root = doc.contents;
  return {
    file,
    data,
    locate(path, where = "value") {
      return at(walk(root, path, where).offset);
    },
    locateExact(path, where = "value") {
      const found = walk(root, path, where);
      return found.exact ? at(found.offset) : undefined;
    },
  };
}

/**
 * What the YAML library would accept but we must not: merge keys (`<<`, which YAML 1.2 reads as an
 * ordinary key but Pulumi's Go YAML merges, so the two would disagree), aliases to no anchor, and
 * aliases that expand to more than MAX_EXPANDED_VALUES values.
 */
function structuralProblems(
  doc: Document.Parsed,
  file: string,
  at: (offset: number | undefined) => Position | undefined,
): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const aliases: { node: Node; source: string }[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === "<<") {
        problems.push({
          file,
          field: "(syntax)",
          position: at(pair.key.range?.[0]),
          message:
            "YAML merge keys (<<) are not supported: YAML 1.2, which this validation reads, takes `<<` as an ordinary key, while Pulumi's YAML merges it; write the fields out",
        });
      }
    },
    Alias(_, alias) {
      aliases.push({ node: alias, source: alias.source });
    },
  });
  if (aliases.length === 0 || problems.length > 0) return problems;
  const sizes = new Map<Node, number>();
  const sizeOf = (node: unknown, depth: number): number => {
    if (depth > 64) return Number.POSITIVE_INFINITY;
    if (isAlias(node)) {
      const target = node.resolve(doc);
      return target === undefined ? 1 : sizeOf(target, depth + 1);
    }
    if (isPair(node)) return sizeOf(node.key, depth) + sizeOf(node.value, depth);
    if (!isCollection(node)) return 1;
    const known = sizes.get(node as Node);
    if (known !== undefined) return known;
    let total = 1;
    for (const item of node.items) {
      total += sizeOf(item, depth + 1);
      if (total > MAX_EXPANDED_VALUES) break;
    }
    sizes.set(node as Node, total);
    return total;
  };
  for (const { node, source } of aliases) {
    if ((node as { resolve(doc: Document): unknown }).resolve(doc) === undefined) {
      problems.push({
        file,
        field: "(syntax)",
        position: at(node.range?.[0]),
        message: `the alias *${truncate(source, 40)} names no anchor (&${truncate(source, 40)}) written above it`,
      });
    }
  }
  if (problems.length > 0) return problems;
  if (sizeOf(doc.contents, 0) > MAX_EXPANDED_VALUES) {
    const worst = aliases.reduce((best, candidate) =>
      sizeOf(candidate.node, 0) > sizeOf(best.node, 0) ? candidate : best,
    );
    problems.push({
      file,
      field: "(syntax)",
      position: at(worst.node.range?.[0]),
      message: `YAML aliases expand this file to more than ${MAX_EXPANDED_VALUES.toLocaleString("en")} values (an "alias bomb"); write the values out instead of repeating *${truncate(worst.source, 40)}`,
    });
  }
  return problems;
}

/** Offset of the node (or key) at `path`, or of the deepest ancestor that exists (exact: false). */
function walk(
  root: Node,
  path: FieldPath,
  at: "key" | "value",
): { offset: number | undefined; exact: boolean } {
  let node: unknown = root;
  let offset = (root as Node).range?.[0];
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return { offset, exact: false };
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      offset = last && at === "key" ? key.range?.[0] : (value?.range?.[0] ?? key.range?.[0]);
      node = value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) return { offset, exact: false };
      offset = item.range?.[0];
      node = item;
    } else {
      return { offset, exact: false };
    }
  }
  return { offset, exact: true };
}

function toPosition(lines: LineCounter, offset: number | undefined): Position | undefined {
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, col };
}

function firstLine(message: string): string {
  return truncate(message.split("\n")[0] ?? message, MAX_LIBRARY_MESSAGE);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
