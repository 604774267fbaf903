/**
 * npm run capacity -- --diff REF: users at once per profile at a git ref and in the working tree, on
 * a throw-away repository with the test-owned stack (test/fixtures/base), never on prod data.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { after, describe, test } from "node:test";
import { describeCapacityRow, diffCapacities } from "../../capacity/diff";
import {
  CurrentConfigError,
  capacityDiff,
  capacityDiffJson,
  capacityDiffMarkdown,
  capacityDiffText,
} from "../../capacity/diff-report";
import type { ProfileCapacity } from "../../capacity/plan";
import { RefError } from "../../cli/git-ref";
import { PROJECT_ROOT } from "../helpers";
import { FIXTURE_STACK, type FixtureRepo, fixtureRepo } from "./fixture-repo";

const repos: FixtureRepo[] = [];
after(() => {
  for (const repo of repos) repo.dispose();
});

function repo(): FixtureRepo {
  const created = fixtureRepo();
  repos.push(created);
  return created;
}

/** gpu-single guarantees 32Gi of a node's 256Gi; 200Gi leaves room for one user per node, not two. */
function raiseGpuSingleMemory(fixture: FixtureRepo): void {
  fixture.edit("profiles/20-gpu-single.yaml", (text) =>
    text.replace("memory: { guarantee: 32Gi, limit: 64Gi }", "memory: { guarantee: 200Gi, limit: 220Gi }"),
  );
}

const NEW_PROFILE = `slug: mig-1g-5gb-vision
displayName: "GPU: MIG 1g.5gb (Computer Vision)"
image: quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06
cpu: { guarantee: "2", limit: "4" }
memory: { guarantee: 8Gi, limit: 16Gi }
gpu: { migSlice: 1g.5gb }
groups: [cpsHPCAccess]
order: 45
`;

describe("npm run capacity -- --diff REF", () => {
  test("a higher memory guarantee: fewer users of that profile, now limited by memory; the others unchanged", async () => {
    const fixture = repo();
    raiseGpuSingleMemory(fixture);
    const report = await capacityDiff({ projectRoot: fixture.root, stack: FIXTURE_STACK, ref: "HEAD" });
    assert.deepEqual(report.refProblems, []);
    const changed = report.rows.filter((row) => row.change !== "unchanged");
    assert.deepEqual(changed, [
      {
        slug: "gpu-single",
        change: "changed",
        before: { users: 4, limit: "nvidia.com/gpu" },
        after: { users: 2, limit: "memory" },
      },
    ]);
    assert.equal(
      describeCapacityRow(changed[0] as (typeof changed)[number]),
      "gpu-single: 4 → 2 (limited by nvidia.com/gpu → memory)",
    );
    assert.deepEqual(
      report.rows.map((row) => row.slug),
      ["cpu-default", "gpu-single", "gpu-dual", "mig-1g-5gb", "custom-image"],
      "every profile, in the page's order",
    );

    const text = capacityDiffText(report);
    assert.match(text, /^~ +gpu-single +4 → 2 +nvidia\.com\/gpu → memory$/m, "a marker on the changed row");
    assert.match(text, /^ +gpu-dual +2 +nvidia\.com\/gpu$/m, "no marker on an unchanged row");
    assert.match(text, /gpu-single: 4 → 2 \(limited by nvidia\.com\/gpu → memory\)/);

    const markdown = capacityDiffMarkdown(report);
    assert.match(markdown, /^\| changed \| `gpu-single` \| \*\*4 → 2\*\* \| nvidia\.com\/gpu → memory \|$/m);
    assert.match(markdown, /^\| {2}\| `gpu-dual` \| 2 \| nvidia\.com\/gpu \|$/m);

    const json = JSON.parse(capacityDiffJson(report));
    assert.equal(json.changed, true);
    assert.equal(json.ref, "HEAD");
    assert.match(json.commit, /^[0-9a-f]{40}$/);
  });

  test("a profile removed and one added are shown as such, not as changes", async () => {
    const fixture = repo();
    fixture.remove("profiles/30-gpu-dual.yaml");
    fixture.write("profiles/45-mig-vision.yaml", NEW_PROFILE);
    const report = await capacityDiff({ projectRoot: fixture.root, stack: FIXTURE_STACK, ref: "main" });
    const bySlug = new Map(report.rows.map((row) => [row.slug, row]));
    assert.deepEqual(bySlug.get("gpu-dual"), {
      slug: "gpu-dual",
      change: "removed",
      before: { users: 2, limit: "nvidia.com/gpu" },
    });
    assert.equal(bySlug.get("mig-1g-5gb-vision")?.change, "added");
    assert.equal(bySlug.get("mig-1g-5gb-vision")?.before, undefined);
    // The new profile shares the 1g.5gb slices, but each profile is counted alone: the old one keeps 8.
    assert.equal(bySlug.get("mig-1g-5gb")?.change, "unchanged");
    const text = capacityDiffText(report);
    assert.match(text, /^- +gpu-dual +removed \(was 2\)/m);
    assert.match(text, /^\+ +mig-1g-5gb-vision +new: 8 +nvidia\.com\/mig-1g\.5gb$/m);
    assert.match(text, /1 added, 1 removed/);
    assert.match(capacityDiffMarkdown(report), /^\| removed \| `gpu-dual` \| \*\*removed \(was 2\)\*\* \|/m);
  });

  test("no change: the same figures, and the report says so", async () => {
    const fixture = repo();
    const report = await capacityDiff({ projectRoot: fixture.root, stack: FIXTURE_STACK, ref: "HEAD" });
    assert.ok(report.rows.every((row) => row.change === "unchanged"));
    assert.match(capacityDiffText(report), /No change: every profile fits as many users as at HEAD/);
    assert.equal(JSON.parse(capacityDiffJson(report)).changed, false);
  });

  test("a config that does not validate at the ref: said so, with the ref's file and line, and today's figures", async () => {
    const fixture = repo();
    fixture.edit("profiles/20-gpu-single.yaml", (text) =>
      text.replace("guarantee: 32Gi", 'guarantee: "32 GB"'),
    );
    fixture.commit("a broken profile");
    fixture.edit("profiles/20-gpu-single.yaml", (text) =>
      text.replace('guarantee: "32 GB"', "guarantee: 32Gi"),
    );
    const report = await capacityDiff({ projectRoot: fixture.root, stack: FIXTURE_STACK, ref: "HEAD" });
    assert.deepEqual(report.rows, []);
    assert.equal(report.refProblems.length, 1);
    assert.match(
      report.refProblems[0] as string,
      /^HEAD:profiles\/20-gpu-single\.yaml:5:\d+: memory\.guarantee: .*32Gi/,
    );
    assert.ok(!(report.refProblems[0] as string).includes(fixture.root), "no temporary path in the message");
    assert.match(capacityDiffText(report), /The config at HEAD does not validate/);
    assert.match(
      capacityDiffMarkdown(report),
      /does not validate[\s\S]*\| `gpu-single` \| 4 \| nvidia\.com\/gpu \|/,
    );
  });

  test("an unknown ref is a RefError naming it; a working tree that does not validate is a CurrentConfigError", async () => {
    const fixture = repo();
    await assert.rejects(
      capacityDiff({ projectRoot: fixture.root, stack: FIXTURE_STACK, ref: "origin/no-such-branch" }),
      (error: Error) =>
        error instanceof RefError &&
        /unknown git ref "origin\/no-such-branch".*git fetch origin no-such-branch/.test(error.message),
    );
    fixture.edit("profiles/20-gpu-single.yaml", (text) => text.replace("guarantee: 32Gi", "guarantee: 8"));
    await assert.rejects(
      capacityDiff({ projectRoot: fixture.root, stack: FIXTURE_STACK, ref: "HEAD" }),
      (error: Error) =>
        error instanceof CurrentConfigError &&
        /profiles\/20-gpu-single\.yaml:5:\d+: memory\.guarantee/.test(error.message),
    );
  });

  test("the command: an unknown ref exits 2 with a clear message and prints no report", () => {
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(PROJECT_ROOT, "tools", "capacity.ts"),
        "--diff",
        "no-such-ref-for-a-test",
      ],
      { cwd: PROJECT_ROOT, encoding: "utf8" },
    );
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /^capacity --diff: unknown git ref "no-such-ref-for-a-test"/);
  });
});

describe("diffCapacities", () => {
  const capacity = (slug: string, users: number, limit = "cpu"): ProfileCapacity => ({
    slug,
    users,
    limit,
    perNode: {},
    byNodes: users,
    byQuota: users,
  });

  test("a removed profile stays where it stood; a changed limit alone is a change", () => {
    const rows = diffCapacities(
      [capacity("a", 1), capacity("b", 2), capacity("c", 3)],
      [capacity("a", 1, "memory"), capacity("c", 3), capacity("d", 4)],
    );
    assert.deepEqual(
      rows.map((row) => [row.slug, row.change]),
      [
        ["a", "changed"],
        ["b", "removed"],
        ["c", "unchanged"],
        ["d", "added"],
      ],
    );
  });
});
