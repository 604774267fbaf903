/**
 * npm run schema: writes the JSON Schemas generated from the zod schemas: schema/profile.schema.json
 * and schema/stack.schema.json (editor completion for course staff), and hub/settings.schema.json
 * (what the hub's Python checks its settings document against).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hubSettingsJsonSchemaText } from "../components/jupyterhub/hub-settings-schema";
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
    const hubSchema = path.join(PROJECT_ROOT, "hub", "settings.schema.json");
    writeFileSync(hubSchema, hubSettingsJsonSchemaText());
    console.log(`wrote ${displayPath(hubSchema)}`);
  });
}
