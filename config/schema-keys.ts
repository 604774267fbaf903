/** The keys a zod object schema accepts at a given path, for did-you-mean hints on unknown keys. */
import type { z } from "zod";
import type { FieldPath } from "./source";

type AnySchema = z.core.$ZodType;

export function knownKeysAt(schema: AnySchema, path: FieldPath): string[] {
  return [...new Set(schemasAt(schema, path).flatMap((candidate) => objectKeys(candidate)))];
}

/** Every schema that may stand at `path`: each union's options followed. */
function schemasAt(schema: AnySchema, path: FieldPath): AnySchema[] {
  let candidates: AnySchema[] = [schema];
  for (const segment of path)
    candidates = candidates.flatMap((candidate) => childSchemas(candidate, segment));
  return candidates;
}

/** The schema under its wrappers (optional, nullable, default, readonly, …, a pipe's input side). */
function withoutWrappers(schema: AnySchema): AnySchema {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "nonoptional":
      return withoutWrappers(def.innerType as AnySchema);
    case "pipe":
      return withoutWrappers(def.in as AnySchema);
    default:
      return schema;
  }
}

/** The schemas under the wrappers, a union's options each. */
function unwrap(schema: AnySchema): AnySchema[] {
  const inner = withoutWrappers(schema);
  const def = inner._zod.def as unknown as Record<string, unknown>;
  return def.type === "union" ? (def.options as AnySchema[]).flatMap(unwrap) : [inner];
}

function childSchemas(schema: AnySchema, segment: string | number): AnySchema[] {
  return unwrap(schema).flatMap((inner) => {
    const def = inner._zod.def as unknown as Record<string, unknown>;
    if (def.type === "object") {
      const shape = def.shape as Record<string, AnySchema>;
      const child = shape[String(segment)];
      return child ? [child] : [];
    }
    if (def.type === "array" && typeof segment === "number") return [def.element as AnySchema];
    if (def.type === "record") return [def.valueType as AnySchema];
    return [];
  });
}

function objectKeys(schema: AnySchema): string[] {
  return unwrap(schema).flatMap((inner) => {
    const def = inner._zod.def as unknown as Record<string, unknown>;
    return def.type === "object" ? Object.keys(def.shape as object) : [];
  });
}

/** A choice (zod's discriminated union) at a path, and the option its input picks. */
export interface ChoiceAt {
  readonly discriminator: string;
  /** The picked option's value of the discriminator ("authentik"). */
  readonly chosen: string;
  /** The keys the picked option accepts. */
  readonly keys: string[];
  /** Keys only other options accept, with the value that picks the first of them ("tokenUrl" → "oidc"). */
  readonly elsewhere: ReadonlyMap<string, string>;
}

/** The choice at `path` when the schema there is a discriminated union and `input` picks one option. */
export function choiceAt(schema: AnySchema, path: FieldPath, input: unknown): ChoiceAt | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  for (const candidate of schemasAt(schema, path).flatMap(unionUnderWrappers)) {
    const def = candidate._zod.def as unknown as { discriminator?: string; options: AnySchema[] };
    if (!def.discriminator) continue;
    const discriminator = def.discriminator;
    const given = (input as Record<string, unknown>)[discriminator];
    const valuesOf = (option: AnySchema) =>
      (option._zod as unknown as { propValues?: Record<string, Set<unknown>> }).propValues?.[discriminator];
    const picked = def.options.find((option) => valuesOf(option)?.has(given));
    if (!picked) return undefined;
    const keys = objectKeys(picked);
    const elsewhere = new Map<string, string>();
    for (const option of def.options) {
      if (option === picked) continue;
      const value = [...(valuesOf(option) ?? [])].find((v) => typeof v === "string");
      for (const key of objectKeys(option))
        if (!keys.includes(key) && !elsewhere.has(key) && value) elsewhere.set(key, value as string);
    }
    const chosen = [...(valuesOf(picked) ?? [])].find((v) => typeof v === "string");
    return { discriminator, chosen: String(chosen), keys, elsewhere };
  }
  return undefined;
}

/** The union under the wrappers, if the schema is one. */
function unionUnderWrappers(schema: AnySchema): AnySchema[] {
  const inner = withoutWrappers(schema);
  return (inner._zod.def as unknown as Record<string, unknown>).type === "union" ? [inner] : [];
}
