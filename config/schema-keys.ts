/** The keys a zod object schema accepts at a given path, for did-you-mean hints on unknown keys. */
import type { z } from "zod";
import type { FieldPath } from "./source";

type AnySchema = z.core.$ZodType;

export function knownKeysAt(schema: AnySchema, path: FieldPath): string[] {
  let candidates: AnySchema[] = [schema];
  for (const segment of path) {
    candidates = candidates.flatMap((candidate) => childSchemas(candidate, segment));
  }
  return [...new Set(candidates.flatMap((candidate) => objectKeys(candidate)))];
}

function unwrap(schema: AnySchema): AnySchema[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "nonoptional":
      return unwrap(def.innerType as AnySchema);
    case "pipe":
      return unwrap(def.in as AnySchema);
    case "union":
      return (def.options as AnySchema[]).flatMap(unwrap);
    default:
      return [schema];
  }
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
