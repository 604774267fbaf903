/**
 * npm run golden:diff: what a render changes for users, read from two renders of the test-owned stack
 * (test/fixtures/base), never from prod data: profiles by field, hub settings, objects by kind and name.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { RefError } from "../../cli/git-ref";
import { loadPlatformConfig } from "../../config/load";
import { changedPaths, diffRenders, type RenderDiff, RenderReadError } from "../../render/diff";
import { renderDiffMarkdown, renderDiffText } from "../../render/diff-report";
import { readRenderedDir, renderToDirectory } from "../../render/directory";
import { goldenAtRef } from "../../render/golden";
import { PROJECT_ROOT } from "../helpers";
import { FIXTURE_STACK, fixtureRepo } from "./fixture-repo";

const FIXTURE = path.join(PROJECT_ROOT, "test", "fixtures", "base");
const GOLDEN_DIFF = path.join(PROJECT_ROOT, "tools", "golden-diff.ts");

const NEW_PROFILE = `slug: rapids
displayName: "GPU: RAPIDS (1×)"
image: quay.io/jupyter/pytorch-notebook:cuda12-2025-12-01
cpu: { guarantee: "8", limit: "16" }
memory: { guarantee: 32Gi, limit: 64Gi }
gpu: { count: 1 }
groups: [cpsHPCAccess]
order: 25
idleTimeout: 1800
`;

let scratch = "";
let beforeDir = "";
let afterDir = "";
let diff: RenderDiff;

/** Renders the fixture stack, after `change` edits a copy of it, into `out`. */
async function renderFixture(out: string, change: (dir: string) => void = () => {}): Promise<void> {
  const dir = mkdtempSync(path.join(scratch, "stack-"));
  cpSync(FIXTURE, dir, { recursive: true });
  change(dir);
  const result = loadPlatformConfig({ stackFile: path.join(dir, "Pulumi.base.yaml") });
  assert.ok(result.config, JSON.stringify(result.issues.filter((issue) => issue.severity === "error")));
  await renderToDirectory(result.config, out);
}

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, "utf8");
  assert.ok(text.includes(from), `${file} has ${from}`);
  writeFileSync(file, text.replace(from, to));
}

before(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "golden-diff-"));
  beforeDir = path.join(scratch, "before");
  afterDir = path.join(scratch, "after");
  await renderFixture(beforeDir);
  // What course staff do in one pull request: a memory guarantee and a title changed, a profile
  // removed, one added with a new image, and (the platform team) the hub-wide idle timeout.
  await renderFixture(afterDir, (dir) => {
    const single = path.join(dir, "profiles", "20-gpu-single.yaml");
    edit(single, "memory: { guarantee: 32Gi, limit: 64Gi }", "memory: { guarantee: 48Gi, limit: 64Gi }");
    edit(single, 'displayName: "GPU: PyTorch (1×)"', 'displayName: "GPU: PyTorch, one A100"');
    rmSync(path.join(dir, "profiles", "30-gpu-dual.yaml"));
    writeFileSync(path.join(dir, "profiles", "25-rapids.yaml"), NEW_PROFILE);
    edit(path.join(dir, "Pulumi.base.yaml"), "timeout: 3600", "timeout: 2400");
  });
  diff = diffRenders(readRenderedDir(beforeDir), readRenderedDir(afterDir));
});

after(() => rmSync(scratch, { recursive: true, force: true }));

describe("npm run golden:diff: what changes for users", () => {
  test("the same render is equal, with nothing to list", () => {
    const same = diffRenders(readRenderedDir(beforeDir), readRenderedDir(beforeDir));
    assert.equal(same.equal, true);
    assert.deepEqual([same.profiles, same.hubSettings, same.objects], [[], [], []]);
    assert.match(renderDiffText(same, "The render"), /the same\. Nothing changes for users\./);
  });

  test("a changed profile is named with each field that changed, before and after", () => {
    assert.equal(diff.equal, false);
    const single = diff.profiles.find((profile) => profile.slug === "gpu-single");
    assert.equal(single?.change, "changed");
    assert.deepEqual(single?.fields, [
      { field: "display name", before: '"GPU: PyTorch (1×)"', after: '"GPU: PyTorch, one A100"' },
      { field: "memory guarantee", before: "32Gi", after: "48Gi" },
    ]);
    assert.deepEqual(single?.otherSettings, []);
  });

  test("a removed profile and an added one (with what it offers) are listed as such", () => {
    assert.deepEqual(
      diff.profiles.map((profile) => [profile.slug, profile.change]),
      [
        ["gpu-single", "changed"],
        ["rapids", "added"],
        ["gpu-dual", "removed"],
      ],
      "the unchanged profiles are not listed",
    );
    const added = diff.profiles.find((profile) => profile.slug === "rapids");
    const offered = Object.fromEntries(added?.fields.map((field) => [field.field, field.after]) ?? []);
    assert.equal(offered.image, "quay.io/jupyter/pytorch-notebook:cuda12-2025-12-01");
    assert.equal(offered.GPU, "1× GPU");
    assert.equal(offered["memory guarantee"], "32Gi");
    assert.equal(offered.groups, "cpsHPCAccess");
  });

  test("hub-wide settings: the culler's idle timeout, before and after", () => {
    assert.deepEqual(diff.hubSettings, [{ path: "culler.timeout", before: "3600", after: "2400" }]);
  });

  test("objects by kind and name: the hub's ConfigMap changed, a pre-puller for the new image added", () => {
    const hubConfig = diff.objects.find(
      (object) => object.kind === "ConfigMap" && /\/hub$/.test(object.name),
    );
    assert.equal(hubConfig?.change, "changed");
    assert.deepEqual(hubConfig?.paths, ["data.settings.json"]);
    const pullers = diff.objects.filter((object) => object.kind === "DaemonSet" && object.change === "added");
    assert.equal(pullers.length, 1, JSON.stringify(diff.objects));
    assert.match(pullers[0]?.name ?? "", /2025-12-01/);
    const kinds = diff.objects.map((object) => object.kind);
    assert.deepEqual(kinds, [...kinds].sort(), "grouped by kind");
  });

  test("the terminal report names the profile and the field; the Markdown one has a row per profile", () => {
    const text = renderDiffText(diff, "The render", "run npm run golden:update");
    assert.match(text, /^ {2}~ gpu-single \("GPU: PyTorch, one A100"\)$/m);
    assert.match(text, /^ {6}memory guarantee: 32Gi → 48Gi$/m);
    assert.match(text, /^ {2}- gpu-dual \("GPU: PyTorch \(2×\)"\): removed$/m);
    assert.match(text, /^ {2}\+ rapids \("GPU: RAPIDS \(1×\)"\): new$/m);
    assert.match(text, /^ {2}~ culler\.timeout: 3600 → 2400$/m);
    assert.match(text, /^ {2}ConfigMap +~ +\S+\/hub +data\.settings\.json$/m);
    assert.match(text, /run npm run golden:update$/);
    const markdown = renderDiffMarkdown(diff, "The render");
    assert.match(markdown, /^\| changed \| `gpu-single` [^|]*\| [^|]*memory guarantee: 32Gi → \*\*48Gi\*\*/m);
    assert.match(markdown, /^\| removed \| `gpu-dual` [^|]*\| removed from the spawn page \|$/m);
    assert.match(markdown, /^\| `culler\.timeout` \| 3600 \| 2400 \|$/m);
    assert.match(markdown, /^\| ConfigMap \| {2}\| {2}\| `\S+\/hub` \(data\.settings\.json\) \|$/m);
    assert.match(markdown, /^### What this change does for users\n/);
    assert.match(
      renderDiffMarkdown(diff, "The render", "What differs from the golden copy"),
      /^### What differs from the golden copy\n/,
    );
  });

  test("the command exits 1 when the renders differ and 0 when they are the same", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", GOLDEN_DIFF, ...args], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
      });
    const different = run("--rendered", afterDir, "--against", beforeDir, "--markdown");
    assert.equal(different.status, 1, different.stderr);
    assert.match(different.stdout, /^### What this change does for users$/m);
    assert.match(different.stdout, /`gpu-single`/);
    const same = run("--rendered", beforeDir, "--against", beforeDir);
    assert.equal(same.status, 0, same.stderr);
    assert.match(same.stdout, /the same\. Nothing changes for users\./);
    const unknown = run("--rendered", beforeDir, "--against", "no-such-ref-or-folder");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown git ref "no-such-ref-or-folder"/);
  });

  test("--against a git ref reads the golden copy committed there", () => {
    const repo = fixtureRepo();
    try {
      const golden = path.join(repo.root, "test", "golden", FIXTURE_STACK);
      mkdirSync(golden, { recursive: true });
      cpSync(beforeDir, golden, { recursive: true });
      repo.commit("the reviewed golden copy");
      rmSync(golden, { recursive: true });
      assert.deepEqual(goldenAtRef(repo.root, "HEAD", FIXTURE_STACK), readRenderedDir(beforeDir));
      assert.throws(
        () => goldenAtRef(repo.root, "HEAD", "dev"),
        (error: Error) => {
          return (
            error instanceof RefError && /HEAD has no golden copy test\/golden\/dev\//.test(error.message)
          );
        },
      );
    } finally {
      repo.dispose();
    }
  });

  test("a broken golden file (a merge conflict left in it) is named, not a stack trace", () => {
    const broken = new Map([["hub.yaml", "<<<<<<< HEAD\nkind: ConfigMap\n  name: [\n"]]);
    assert.throws(
      () => diffRenders(broken, readRenderedDir(beforeDir)),
      (error: Error) => error instanceof RenderReadError && /^hub\.yaml: not valid YAML/.test(error.message),
    );
  });

  test("changedPaths: dotted paths to what differs, lists of plain values as one value", () => {
    assert.deepEqual(
      changedPaths(
        { spec: { containers: [{ image: "a", args: ["x"] }] }, data: { k: "1" } },
        { spec: { containers: [{ image: "b", args: ["x", "y"] }] }, data: { k: "1", n: "2" } },
      ),
      ["spec.containers[0].image", "spec.containers[0].args", "data.n"],
    );
  });
});
