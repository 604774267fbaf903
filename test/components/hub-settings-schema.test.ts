/**
 * The hub settings document has one schema (components/jupyterhub/hub-settings-schema.ts): every
 * rendered document matches it, the JSON Schema the hub's Python checks (hub/settings.schema.json)
 * is generated from it and current, and a field renamed by the writer fails on both sides. The
 * Python side of the contract is test/hub/test_hub_config.py (TestSettingsSchema).
 *
 * After a change to the schema: npm run schema
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import Ajv2020 from "ajv/dist/2020";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import {
  hubSettingsJsonSchemaText,
  hubSettingsProblems,
} from "../../components/jupyterhub/hub-settings-schema";
import { loadPlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema/platform";
import { baseConfig } from "../config/base";
import { PROJECT_ROOT, prodConfig } from "../helpers";

const SCHEMA_FILE = path.join(PROJECT_ROOT, "hub", "settings.schema.json");

function devConfig(): PlatformConfig {
  const { config, issues } = loadPlatformConfig({ stackFile: path.join(PROJECT_ROOT, "Pulumi.dev.yaml") });
  assert.ok(config, JSON.stringify(issues));
  return config;
}

// biome-ignore lint/suspicious/noExplicitAny: the document as JSON, edited by path.
type Json = any;

/** The prod document with `section.from` renamed to `section.to`, as a writer with a typo would render it. */
function renamed(section: string, from: string, to: string): Json {
  const settings = structuredClone(hubSettings(prodConfig())) as Json;
  settings[section][to] = settings[section][from];
  delete settings[section][from];
  return settings;
}

describe("the hub settings schema", () => {
  test("hub/settings.schema.json is what hub-settings-schema.ts generates", () => {
    assert.equal(
      readFileSync(SCHEMA_FILE, "utf8"),
      hubSettingsJsonSchemaText(),
      "regenerate with npm run schema",
    );
  });

  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(
    JSON.parse(readFileSync(SCHEMA_FILE, "utf8")),
  );

  test("the prod, dev and test documents match it, in zod and in the JSON Schema the hub checks", () => {
    for (const config of [prodConfig(), devConfig(), baseConfig()]) {
      const settings = hubSettings(config);
      assert.deepEqual(hubSettingsProblems(settings), []);
      assert.ok(validate(settings), JSON.stringify(validate.errors));
    }
  });

  test("a field the writer renames fails on both sides, named", () => {
    const settings = renamed("culler", "max_age", "maxAge");
    assert.deepEqual(hubSettingsProblems(settings), [
      "culler.max_age: Invalid input: expected number, received undefined",
      'culler: Unrecognized key: "maxAge"',
    ]);
    assert.equal(validate(settings), false);
    assert.deepEqual(
      validate.errors?.map((error) => [error.instancePath, error.message]),
      [
        ["/culler", "must have required property 'max_age'"],
        ["/culler", "must NOT have additional properties"],
      ],
    );
  });

  test("the deployment facts the policy pack reads are in the document", () => {
    const settings = hubSettings(prodConfig());
    assert.deepEqual(settings.gpu, { runtime_class_name: "nvidia" });
    assert.equal(settings.proxy.public_service_type, "ClusterIP");
  });
});
