/**
 * The engine harness's copies of the project and stack files: what the engine may write into
 * (its encryption salt) survives a fresh copy, and the real files are taken as they are.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { formatCounts } from "../../engine/operations";
import { inlineProjectFile, stackCopy } from "../../engine/workspace";

describe("the engine harness's stack and project copies", () => {
  const real = "config:\n  gpu-jupyterhub:cluster:\n    name: dev\n";

  test("a first copy is the real stack file", () => {
    assert.equal(stackCopy(real, undefined), real);
  });

  test("a later copy keeps the engine's encryption salt and takes everything else from the real file", () => {
    const previous = `encryptionsalt: v1:abc:def\n${real.replace("dev", "old")}`;
    const copy = stackCopy(real, previous);
    assert.equal(copy, `encryptionsalt: v1:abc:def\n${real}`);
    assert.equal(parse(copy).config["gpu-jupyterhub:cluster"].name, "dev");
  });

  test("a salt in the real file is not doubled", () => {
    const copy = stackCopy(`encryptionsalt: v1:real\n${real}`, "encryptionsalt: v1:kept\n");
    assert.equal(copy.match(/encryptionsalt/g)?.length, 1);
    assert.match(copy, /v1:kept/);
  });

  test("the inline program's project file is the real one without `main` (the CLI would look for it)", () => {
    const project = parse(inlineProjectFile());
    assert.equal(project.main, undefined);
    assert.equal(project.name, "gpu-jupyterhub");
    assert.equal(project.runtime.name, "nodejs");
  });

  test("counts read as a sentence, in the engine's order", () => {
    assert.equal(formatCounts({ create: 3, same: 2, update: 0 }), "3 create, 2 same");
    assert.equal(formatCounts({}), "nothing");
  });
});
