/**
 * npm run schema: writes what is generated from the zod schemas: schema/profile.schema.json and
 * schema/stack.schema.json (editor completion for course staff), hub/settings.schema.json (what the
 * hub's Python checks its settings document against), and the field tables of docs/profiles.md and
 * docs/stack-reference.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { displayPath, PROJECT_ROOT, runCommand } from "../cli/command";
import { hubSettingsJsonSchemaText } from "../components/jupyterhub/hub-settings-schema";
import {
  PROFILES_DOC,
  profilesDocText,
  SCHEMA_FILES,
  STACK_REFERENCE_DOC,
  schemaText,
  stackReferenceText,
} from "../config/generated-files";

runCommand(() => {
  const dir = path.join(PROJECT_ROOT, "schema");
  mkdirSync(dir, { recursive: true });
  for (const [name, make] of Object.entries(SCHEMA_FILES)) {
    const file = path.join(dir, name);
    writeFileSync(file, schemaText(make));
    console.log(`wrote ${displayPath(file)}`);
  }
  writeFileSync(PROFILES_DOC, profilesDocText(readFileSync(PROFILES_DOC, "utf8")));
  console.log(`wrote the field table of ${displayPath(PROFILES_DOC)}`);
  writeFileSync(STACK_REFERENCE_DOC, stackReferenceText());
  console.log(`wrote ${displayPath(STACK_REFERENCE_DOC)}`);
  const hubSchema = path.join(PROJECT_ROOT, "hub", "settings.schema.json");
  writeFileSync(hubSchema, hubSettingsJsonSchemaText());
  console.log(`wrote ${displayPath(hubSchema)}`);
});
