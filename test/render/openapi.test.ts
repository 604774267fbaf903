/**
 * The rendered prod manifests against the Kubernetes OpenAPI schemas of the configured version,
 * with kubernetes-validate (PyPI; it ships the upstream schemas), strict: unknown fields fail too.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { renderToDirectory } from "../../render/directory";
import { PROJECT_ROOT, prodConfig } from "../helpers";

const VALIDATE = path.join(PROJECT_ROOT, ".work", "venv", "bin", "kubernetes-validate");
const version = `${prodConfig().cluster.kubernetesVersion}.0`;
let outDir = "";

function validate(files: string[]) {
  return spawnSync(VALIDATE, ["--strict", "--quiet", "-k", version, ...files], { encoding: "utf8" });
}

before(async () => {
  execFileSync("bash", [path.join(PROJECT_ROOT, "tools", "python-env.sh")], { stdio: "inherit" });
  outDir = mkdtempSync(path.join(os.tmpdir(), "openapi-"));
  await renderToDirectory(prodConfig(), outDir);
});

describe(`rendered manifests against the Kubernetes ${version} OpenAPI schemas`, () => {
  test("every object of the prod render is valid", () => {
    const manifests = readdirSync(outDir)
      .filter((file) => file.endsWith(".yaml") && !file.endsWith(".chart.yaml"))
      .map((file) => path.join(outDir, file));
    assert.ok(manifests.length >= 10);
    const run = validate(manifests);
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  });

  test("the validator rejects a wrong type and an unknown field", () => {
    const bad = path.join(outDir, "bad.yaml.txt");
    writeFileSync(
      bad,
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: two\n  replicass: 1\n  selector: {matchLabels: {a: b}}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: 'i:1'}]}}\n",
    );
    const run = validate([bad]);
    assert.notEqual(run.status, 0);
    assert.match(run.stdout + run.stderr, /replicas/);
  });
});
