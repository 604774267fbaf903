/** npm run render: files per component in apply order, charts as references, and the reviewed golden copy. */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { renderToDirectory } from "../../render/directory";
import { applyRank } from "../../render/manifests";
import { PROJECT_ROOT, prodConfig } from "../helpers";

const GOLDEN = path.join(PROJECT_ROOT, "test", "golden", "prod");
let outDir = "";

before(async () => {
  outDir = mkdtempSync(path.join(os.tmpdir(), "render-"));
  await renderToDirectory(prodConfig(), outDir);
});

function documents(file: string) {
  return parseAllDocuments(readFileSync(path.join(outDir, file), "utf8")).map((doc) => doc.toJS());
}

describe("npm run render", () => {
  test("writes one file per component, each in apply order", () => {
    const files = readdirSync(outDir).filter(
      (file) => file.endsWith(".yaml") && !file.endsWith(".chart.yaml"),
    );
    assert.ok(
      files.includes("hub.yaml") && files.includes("proxy.yaml") && files.includes("user-scheduler.yaml"),
    );
    for (const file of files) {
      const ranks = documents(file).map((object) => applyRank(object.kind));
      assert.deepEqual(
        ranks,
        [...ranks].sort((a, b) => a - b),
        `${file} is in apply order`,
      );
    }
  });

  test("masks every secret value", () => {
    for (const file of readdirSync(outDir)) {
      for (const object of documents(file).filter((candidate) => candidate?.kind === "Secret")) {
        for (const value of Object.values(object.stringData ?? {})) assert.equal(value, "<secret>");
        assert.equal(object.data, undefined);
      }
    }
  });

  test("shows the GPU Operator as its chart reference and values", () => {
    const [chart] = documents("gpu-operator.chart.yaml");
    assert.equal(chart.chart, "gpu-operator");
    assert.equal(chart.repository, "https://helm.ngc.nvidia.com/nvidia");
    assert.equal(chart.values.mig.strategy, "mixed");
  });

  test("matches the reviewed golden copy (update with `npm run golden:update`)", () => {
    assert.deepEqual(readdirSync(outDir).sort(), readdirSync(GOLDEN).sort(), "the same files");
    for (const file of readdirSync(GOLDEN)) {
      assert.equal(
        readFileSync(path.join(outDir, file), "utf8"),
        readFileSync(path.join(GOLDEN, file), "utf8"),
        `${file} differs from test/golden/prod; review the change and run npm run golden:update`,
      );
    }
  });
});
