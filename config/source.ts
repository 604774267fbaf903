/** YAML documents that remember where every value came from, so errors can name file:line:col. */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

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
}

export interface SyntaxProblem {
  readonly file: string;
  /** "(syntax)" for YAML errors, "(file)" for a file with nothing in it. */
  readonly field: "(syntax)" | "(file)";
  readonly position?: Position;
  readonly message: string;
}

export function parseYamlSource(file: string, text: string): SourceDocument | SyntaxProblem[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return doc.errors.map((error) => ({
      file,
      field: "(syntax)" as const,
      position: toPosition(lines, error.pos[0]),
      message: `YAML syntax: ${firstLine(error.message)}`,
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
  const root = doc.contents;
  return {
    file,
    data: doc.toJS({ maxAliasCount: 100 }),
    locate(path, at = "value") {
      const found = walk(root, path, at);
      return found === undefined ? undefined : toPosition(lines, found);
    },
  };
}

/** Offset of the node (or key) at `path`, or of the deepest ancestor that exists. */
function walk(root: Node, path: FieldPath, at: "key" | "value"): number | undefined {
  let node: unknown = root;
  let offset = (root as Node).range?.[0];
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return offset;
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      offset = last && at === "key" ? key.range?.[0] : (value?.range?.[0] ?? key.range?.[0]);
      node = value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (!item) return offset;
      offset = item.range?.[0];
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function toPosition(lines: LineCounter, offset: number | undefined): Position | undefined {
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, col };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
