/**
 * The docs' field tables are generated from the zod schema's descriptions (config/field-reference.ts)
 * and kept current: a field added or described anew in config/schema/ shows up in the docs after
 * `npm run schema`, and this test fails until then.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fieldRows, fieldTable, withGeneratedTable } from "../../config/field-reference";
import {
  PROFILES_DOC,
  profilesDocText,
  STACK_REFERENCE_DOC,
  stackReferenceText,
} from "../../config/generated-files";

describe("the docs' field tables", () => {
  test("docs/profiles.md and docs/stack-reference.md are what npm run schema writes", () => {
    const profiles = readFileSync(PROFILES_DOC, "utf8");
    assert.equal(profiles, profilesDocText(profiles), "run npm run schema");
    assert.equal(readFileSync(STACK_REFERENCE_DOC, "utf8"), stackReferenceText(), "run npm run schema");
  });

  test("a row per field, nested fields by path, required only under required parents, defaults and examples", () => {
    const rows = fieldRows({
      properties: {
        name: { type: "string", description: "The name.", examples: ["a"] },
        size: {
          description: "Sizes.",
          properties: { min: { type: "integer", description: "Smallest.", default: 1 } },
          required: ["min"],
        },
        items: { type: "array", items: { properties: { id: { description: "Id." } }, required: ["id"] } },
      },
      required: ["name", "items"],
    });
    assert.deepEqual(
      rows.map((row) => [row.field, row.required]),
      [
        ["name", true],
        ["size", false],
        ["size.min", false],
        ["items[].id", true],
      ],
    );
    const table = fieldTable(rows);
    assert.match(table, /\| `size.min` \| no \| Smallest. \| `1` \| {2}\|/);
    assert.match(table, /\| `name` \| yes \| The name. \| {2}\| `a` \|/);
  });

  test("the generated block is replaced between its markers, and missing markers are an error", () => {
    const doc = (inner: string) =>
      `before\n<!-- generated from the zod schema by \`npm run schema\`; do not edit by hand -->\n${inner}\n<!-- end of generated table -->\nafter\n`;
    assert.equal(withGeneratedTable(doc("old"), "new"), doc("new"));
    assert.throws(() => withGeneratedTable("no markers", "new"), /markers are missing/);
  });
});
