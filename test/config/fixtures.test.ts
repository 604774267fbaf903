/**
 * The corpus of malformed files under test/fixtures/: each file says in `# expect:` lines exactly
 * which field, on which line, the loader must report, and part of the message (see expectations.ts).
 * Fixtures load with the tests' own base stack and profiles (test/fixtures/base), never with the
 * prod data, so adding a profile or a node to prod changes no fixture's result.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { loadPlatformConfig, loadPlatformConfigFromText } from "../../config/load";
import { BASE_PROFILES, BASE_STACK, FIXTURES } from "./base";
import { assertReported, expectationsIn } from "./expectations";

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
/** As bytes: a fixture that is not UTF-8 must reach the loader as written. */
const read = (file: string) => ({ file, text: readFileSync(file) });

describe("the base stack and profiles the fixtures load with are valid", () => {
  test("no problem at all", () => {
    const result = loadPlatformConfig({ stackFile: BASE_STACK });
    assert.deepEqual(result.issues, []);
    assert.ok(result.config);
  });
});

describe("malformed profile files are reported with their field and line", () => {
  const dir = path.join(FIXTURES, "profiles");
  for (const name of yamlFiles(dir)) {
    test(name, () => {
      // The fixture joins the base profiles, so a rule about the set (slugs, defaults) sees them too.
      const fixture = path.join(dir, name);
      const base = yamlFiles(BASE_PROFILES).map((file) => read(path.join(BASE_PROFILES, file)));
      const result = loadPlatformConfigFromText(read(BASE_STACK), [...base, read(fixture)]);
      assertReported(result.issues, expectationsIn(fixture));
      assert.equal(result.config, undefined, "a config with errors must not be returned");
    });
  }
});

describe("malformed stack files are reported with their field and line", () => {
  const dir = path.join(FIXTURES, "stacks");
  for (const name of yamlFiles(dir)) {
    test(name, () => {
      const file = path.join(dir, name);
      const result = loadPlatformConfig({ stackFile: file });
      const expected = expectationsIn(file);
      assertReported(result.issues, expected);
      assert.equal(
        result.config === undefined,
        expected.some((expectation) => expectation.severity === "error"),
      );
    });
  }
});

describe("profile folders: which entries are read, skipped or refused", () => {
  const dir = path.join(FIXTURES, "folders");
  for (const name of readdirSync(dir).sort()) {
    const caseDir = path.join(dir, name);
    test(name, () => {
      const profilesDir = path.join(caseDir, "profiles");
      const result = loadPlatformConfig({ stackFile: BASE_STACK, profilesDir });
      const expected = [
        ...expectationsIn(path.join(caseDir, "expect.txt")),
        ...(existsSync(profilesDir) ? yamlFiles(profilesDir) : []).flatMap((file) =>
          expectationsIn(path.join(profilesDir, file)),
        ),
      ];
      assertReported(result.issues, expected);
      assert.equal(
        result.config === undefined,
        expected.some((expectation) => expectation.severity === "error"),
      );
    });
  }
});
