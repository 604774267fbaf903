/**
 * Bad cluster configs never reach the components: the prod stack with one mistake loads to a clear
 * error at the file and line of the mistake, and no config, so nothing can be rendered from it.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { formatIssue } from "../../config/issues";
import { type LoadResult, loadPlatformConfigFromText } from "../../config/load";
import { PROD_STACK, PROJECT_ROOT } from "../helpers";

const PROD_TEXT = readFileSync(PROD_STACK, "utf8");
const PROFILES_DIR = path.join(PROJECT_ROOT, "config", "profiles");
const PROFILES = readdirSync(PROFILES_DIR)
  .filter((name) => name.endsWith(".yaml"))
  .sort()
  .map((name) => ({
    file: path.join(PROFILES_DIR, name),
    text: readFileSync(path.join(PROFILES_DIR, name), "utf8"),
  }));

/** The prod stack with `from` replaced by `to` (exactly once), loaded with the prod profiles. */
function loadProdWith(from: string, to: string): { result: LoadResult; line: number } {
  assert.equal(PROD_TEXT.split(from).length, 2, `"${from}" occurs once in the prod stack`);
  const text = PROD_TEXT.replace(from, to);
  const line = text.slice(0, text.indexOf(to)).split("\n").length;
  return { result: loadPlatformConfigFromText({ file: "Pulumi.prod.yaml", text }, PROFILES), line };
}

function errors(result: LoadResult): string[] {
  return result.issues.filter((issue) => issue.severity === "error").map(formatIssue);
}

describe("bad cluster configs are refused before anything is rendered", () => {
  test("the unmodified prod stack loads (the NFS server is only a deploy-time problem)", () => {
    const { result } = loadProdWith("publicInternet: true", "publicInternet: true");
    assert.ok(result.config);
    assert.deepEqual(errors(result), []);
  });

  test("a MIG layout the GPU cannot hold", () => {
    const { result, line } = loadProdWith(
      "            slices: { 1g.5gb: 7 }",
      "            slices: { 1g.5gb: 7, 2g.10gb: 1 }",
    );
    assert.equal(result.config, undefined);
    assert.deepEqual(errors(result), [
      `Pulumi.prod.yaml:${line}:21: nodes[0].mig.layout[0].slices: the mix needs 9 compute slices and one A100-40GB has 7`,
    ]);
  });

  test("a quota smaller than one profile", () => {
    const { result } = loadProdWith('    requestsCpu: "200"', '    requestsCpu: "4"');
    assert.equal(result.config, undefined);
    // Each profile whose guarantee exceeds it, at the guarantee in its own file.
    const at = (file: string, line: number, cpu: number) =>
      `${path.join(PROFILES_DIR, file)}:${line}:19: cpu.guarantee: ${cpu} CPU exceeds the namespace quota quota.requestsCpu (4)`;
    assert.deepEqual(errors(result), [
      at("20-gpu-pytorch-single.yaml", 8, 8),
      at("30-gpu-tensorflow-single.yaml", 6, 8),
      at("40-gpu-pytorch-dual.yaml", 7, 16),
      at("50-gpu-tensorflow-dual.yaml", 6, 16),
      at("70-mig-2g-10gb.yaml", 6, 5),
      at("90-custom-image.yaml", 7, 8),
    ]);
  });

  test("a network exception that is not a valid CIDR", () => {
    const { result, line } = loadProdWith(
      "    publicInternet: true",
      [
        "    publicInternet: true",
        "    egress:",
        "      - name: pypi-mirror",
        "        cidr: 10.21.300.0/24",
        "        ports: [{ port: 3128 }]",
      ].join("\n"),
    );
    assert.equal(result.config, undefined);
    assert.deepEqual(errors(result), [
      `Pulumi.prod.yaml:${line + 3}:15: network.egress[0].cidr: must be an IPv4 CIDR such as 10.21.0.0/16 or 10.21.4.7/32`,
    ]);
  });
});
