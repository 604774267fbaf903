/** npm run schema: writes schema/profile.schema.json and schema/stack.schema.json from the zod schema. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { profileJsonSchema, stackJsonSchema } from "../config/json-schema";
import { displayPath, PROJECT_ROOT, runCommand } from "./cli";

export const SCHEMA_FILES = {
  "profile.schema.json": profileJsonSchema,
  "stack.schema.json": stackJsonSchema,
};

export function schemaText(make: () => Record<string, unknown>): string {
  return `${JSON.stringify(make(), null, 2)}\n`;
}

if (require.main === module) {
  runCommand(() => {
    const dir = path.join(PROJECT_ROOT, "schema");
    mkdirSync(dir, { recursive: true });
    for (const [name, make] of Object.entries(SCHEMA_FILES)) {
      const file = path.join(dir, name);
      writeFileSync(file, schemaText(make));
      console.log(`wrote ${displayPath(file)}`);
    }
  });
}
