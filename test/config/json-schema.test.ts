/** The JSON Schemas editors use: current with the zod schema, and they accept our files and reject bad ones. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { SCHEMA_FILES, schemaText } from "../../config/generated-files";
import { PROJECT_ROOT } from "../helpers";

const schemaFile = (name: string) => path.join(PROJECT_ROOT, "schema", name);

describe("JSON Schemas for editors", () => {
  test("the committed schema files are what `npm run schema` writes", () => {
    for (const [name, make] of Object.entries(SCHEMA_FILES)) {
      assert.equal(readFileSync(schemaFile(name), "utf8"), schemaText(make), `run npm run schema (${name})`);
    }
  });

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validateProfile = ajv.compile(JSON.parse(readFileSync(schemaFile("profile.schema.json"), "utf8")));
  const validateStack = ajv.compile(JSON.parse(readFileSync(schemaFile("stack.schema.json"), "utf8")));

  test("every profile file references the schema and passes it", () => {
    const dir = path.join(PROJECT_ROOT, "config", "profiles");
    for (const name of readdirSync(dir)) {
      const text = readFileSync(path.join(dir, name), "utf8");
      assert.match(text, /^# yaml-language-server: \$schema=\.\.\/\.\.\/schema\/profile\.schema\.json/, name);
      assert.ok(validateProfile(parse(text)), `${name}: ${JSON.stringify(validateProfile.errors)}`);
    }
  });

  test("the stack files pass the stack schema", () => {
    for (const name of ["Pulumi.prod.yaml", "Pulumi.dev.yaml"]) {
      const data = parse(readFileSync(path.join(PROJECT_ROOT, name), "utf8"));
      assert.ok(validateStack(data), `${name}: ${JSON.stringify(validateStack.errors)}`);
    }
  });

  test("an editor flags a misspelt field and a missing one", () => {
    const bad = {
      slug: "x",
      dispalyName: "X",
      image: "a:b",
      cpu: { guarantee: 1, limit: 2 },
      memory: {},
      groups: ["g"],
    };
    assert.equal(validateProfile(bad), false);
    const messages = JSON.stringify(validateProfile.errors);
    assert.match(messages, /dispalyName/);
    assert.match(messages, /guarantee/);
  });
});
