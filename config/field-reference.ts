/**
 * The docs' field tables, generated from the JSON Schemas that are generated from the zod schema:
 * every field's meaning is its zod description, so the editor's hover text, the docs and the
 * validation can never disagree. `npm run schema` writes them; a test keeps them current.
 */

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
}

export interface FieldRow {
  readonly field: string;
  readonly required: boolean;
  readonly description: string;
  readonly default?: unknown;
  readonly examples: readonly unknown[];
  readonly allowed?: readonly unknown[];
}

/** The object schema behind a property, looking through "or null"/"or list" wrappers. */
function objectOf(schema: JsonSchema): JsonSchema | undefined {
  if (schema.properties) return schema;
  for (const option of schema.anyOf ?? []) if (option.properties) return option;
  if (schema.items?.properties) return schema.items;
  return undefined;
}

/** The objects of a choice (zod's discriminated union: `oneOf` objects told apart by a `const` field). */
function variantsOf(schema: JsonSchema): readonly JsonSchema[] {
  const variants = (schema.oneOf ?? []).filter((option) => option.properties !== undefined);
  return variants.length > 1 ? variants : [];
}

/**
 * The fields of a choice's objects, once each: a field of several objects is one row (its allowed
 * values merged for the discriminator), so `type` lists every choice and each field says which
 * choice it belongs to in its description.
 */
function variantRows(variants: readonly JsonSchema[], prefix: string, parentRequired: boolean): FieldRow[] {
  const rows = new Map<string, FieldRow>();
  for (const variant of variants) {
    for (const row of fieldRows(variant, prefix, parentRequired)) {
      const seen = rows.get(row.field);
      const property = variant.properties?.[row.field.slice(prefix.length)];
      const allowed = property?.const !== undefined ? [property.const] : row.allowed;
      if (!seen) {
        rows.set(row.field, { ...row, ...(allowed ? { allowed } : {}) });
        continue;
      }
      rows.set(row.field, {
        ...seen,
        required: seen.required && row.required,
        description: seen.description || row.description,
        ...(seen.default === undefined && row.default !== undefined ? { default: row.default } : {}),
        ...(seen.allowed && allowed ? { allowed: [...new Set([...seen.allowed, ...allowed])] } : {}),
      });
    }
  }
  return [...rows.values()];
}

/** One row per field, depth first; an object gets a row of its own when it has a description. */
export function fieldRows(schema: JsonSchema, prefix = "", parentRequired = true): FieldRow[] {
  const rows: FieldRow[] = [];
  const required = new Set(schema.properties ? (schema.required ?? []) : []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const field = `${prefix}${name}`;
    const isRequired = parentRequired && required.has(name);
    const inner = objectOf(property);
    const variants = variantsOf(property);
    const list = property.items?.properties !== undefined;
    if (!inner || property.description) {
      rows.push({
        field,
        required: isRequired,
        description: property.description ?? "",
        ...(property.default !== undefined ? { default: property.default } : {}),
        examples: property.examples ?? [],
        ...(property.enum ? { allowed: property.enum } : {}),
      });
    }
    if (inner) rows.push(...fieldRows(inner, `${field}${list ? "[]" : ""}.`, isRequired));
    else if (variants.length > 0) rows.push(...variantRows(variants, `${field}.`, isRequired));
  }
  return rows;
}

/** A YAML-ish rendering of a value for a table cell. */
function cell(value: unknown): string {
  // A text of several lines is written as JSON (\n), so the table row stays one line.
  const plain = typeof value === "string" && value !== "" && !value.includes("\n");
  const text = plain ? value : JSON.stringify(value);
  return `\`${text.replaceAll("|", "\\|")}\``;
}

export function fieldTable(rows: readonly FieldRow[]): string {
  const lines = ["| field | required | meaning | default | example |", "|---|---|---|---|---|"];
  for (const row of rows) {
    const allowed = row.allowed ? ` One of ${row.allowed.map(cell).join(", ")}.` : "";
    lines.push(
      [
        "",
        `\`${row.field}\``,
        row.required ? "yes" : "no",
        `${row.description.replaceAll("|", "\\|").replaceAll("\n", " ")}${allowed}`.trim(),
        row.default === undefined ? "" : cell(row.default),
        row.examples.map(cell).join(", "),
        "",
      ]
        .join(" | ")
        .trim(),
    );
  }
  return lines.join("\n");
}

export const GENERATED_START =
  "<!-- generated from the zod schema by `npm run schema`; do not edit by hand -->";
export const GENERATED_END = "<!-- end of generated table -->";

/** `markdown` with the block between the markers replaced by `table` (markers kept). */
export function withGeneratedTable(markdown: string, table: string): string {
  const start = markdown.indexOf(GENERATED_START);
  const end = markdown.indexOf(GENERATED_END);
  if (start < 0 || end < start) throw new Error("the generated-table markers are missing");
  return `${markdown.slice(0, start + GENERATED_START.length)}\n${table}\n${markdown.slice(end)}`;
}
