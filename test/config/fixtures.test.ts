/**
 * The corpus of malformed files under test/fixtures/: each file says in `# expect:` lines exactly
 * which field, on which line, the loader must report, and part of the message.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { loadPlatformConfig } from "../../config/load";

const FIXTURES = path.join(__dirname, "..", "fixtures");
const PROD_STACK = path.join(__dirname, "..", "..", "Pulumi.prod.yaml");
const PROD_PROFILES = path.join(__dirname, "..", "..", "config", "profiles");

interface Expectation {
  readonly field: string;
  readonly line: number;
  readonly message: string;
}

function expectationsOf(file: string): Expectation[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .flatMap((line) => {
      const match = /^# expect: (.+?) @ (\d+): (.*)$/.exec(line);
      return match
        ? [{ field: match[1] as string, line: Number(match[2]), message: (match[3] as string).trim() }]
        : [];
    });
}

function assertReported(
  file: string,
  issues: readonly { field: string; position?: { line: number }; message: string; file: string }[],
) {
  const expected = expectationsOf(file);
  const reported = issues.map((issue) => ({
    field: issue.field,
    line: issue.position?.line,
    message: issue.message,
  }));
  assert.deepEqual(
    reported.map(({ field, line }) => `${field} @ ${line}`).sort(),
    expected.map(({ field, line }) => `${field} @ ${line}`).sort(),
    `reported: ${JSON.stringify(reported, null, 1)}`,
  );
  for (const expectation of expected) {
    const match = reported.find(
      (issue) => issue.field === expectation.field && issue.line === expectation.line,
    );
    assert.ok(
      match?.message.includes(expectation.message),
      `"${match?.message}" should include "${expectation.message}"`,
    );
  }
}

describe("malformed profile files are reported with their field and line", () => {
  const dir = path.join(FIXTURES, "profiles");
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".yaml"))) {
    test(name, () => {
      // The fixture joins the prod profiles, so a rule about the set (slugs, defaults) sees them too.
      const fixture = path.join(dir, name);
      const prodFiles = readdirSync(PROD_PROFILES).map((file) => path.join(PROD_PROFILES, file));
      const result = loadWith(prodFiles, fixture);
      const errors = result.issues.filter((issue) => issue.severity === "error");
      assert.ok(
        errors.every((issue) => issue.file === fixture),
        JSON.stringify(errors),
      );
      assertReported(fixture, errors);
      assert.equal(result.config, undefined, "a config with errors must not be returned");
    });
  }
});

describe("malformed stack files are reported with their field and line", () => {
  const dir = path.join(FIXTURES, "stacks");
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".yaml"))) {
    test(name, () => {
      const file = path.join(dir, name);
      const result = loadPlatformConfig({ stackFile: file });
      const errors = result.issues.filter((issue) => issue.severity === "error");
      assertReported(file, errors);
      assert.equal(result.config === undefined, errors.length > 0);
    });
  }
});

function loadWith(prodFiles: string[], fixture: string) {
  const { loadPlatformConfigFromText } = require("../../config/load") as typeof import("../../config/load");
  const read = (file: string) => ({ file, text: readFileSync(file, "utf8") });
  return loadPlatformConfigFromText(read(PROD_STACK), [...prodFiles.map(read), read(fixture)]);
}
