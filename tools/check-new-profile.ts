/**
 * node --import tsx tools/check-new-profile.ts [--ref REF] [--sim] [--keep]
 *
 * Proves that adding a valid profile and a valid GPU node breaks no test. Tests assert rules on
 * fixtures; only the golden render (test/golden/prod/) and the seed invariants listed in
 * docs/profiles.md know the prod data. In a temporary copy of the working tree (or of REF):
 *
 *   1. the fast tests run as they are (the baseline: what fails already does not count);
 *   2. a profile file is added to config/profiles/ and a fifth A100 node without MIG to
 *      Pulumi.prod.yaml; `npm run validate` must accept both; `npm run golden:update` re-renders;
 *   3. the same tests run again; every test that fails now and passed in 1. is listed, with its
 *      file and the first lines of its error. Exit 1 if there is one.
 *
 * The fast tests are test:quick's: every test/**\/*.test.ts but test/sim/, test/browser/ and
 * test/engine/engine.test.ts (minutes each); `--sim` adds test/sim/ (its simulated clusters then
 * have the fifth node too). The copy is a git repository whose one commit is the baseline (with
 * `--keep`, `git diff --cached` there shows the addition), with node_modules and .work/venv linked
 * to this clone's.
 * 2.5 to 5 minutes on 2 cores (the tests run twice); with `--sim` 7 to 8.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { isSeq, parseDocument } from "yaml";
import { fail, PROJECT_ROOT, parseCommandLine, runCommand } from "../cli/command";

const USAGE = "usage: node --import tsx tools/check-new-profile.ts [--ref REF] [--sim] [--keep]";

/** A profile no test knows about: a smaller one-GPU PyTorch profile for a course. */
const NEW_PROFILE_FILE = "config/profiles/25-gpu-pytorch-course.yaml";
const NEW_PROFILE = `# yaml-language-server: $schema=../../schema/profile.schema.json
# Added by tools/check-new-profile.ts: a valid profile that no test may know about.
slug: gpu-pytorch-course
displayName: "GPU: PyTorch course"
description: 1× GPU • 8 vCPU • 32 GiB
image: quay.io/jupyter/pytorch-notebook:cuda12-2025-11-06
cpu: { guarantee: "4", limit: "8" }
memory: { guarantee: 16Gi, limit: 32Gi }
gpu: { count: 1 }
groups: [cpsHPCAccess]
order: 25
idleTimeout: 1800
maxRuntime: 28800
computeUnitsPerHour: 8
`;

/** A fifth GPU worker like the three full-GPU ones: 2x A100 40GB, no MIG. */
const NEW_NODE = {
  name: "k3s-wk-gpu5",
  cpu: "64",
  memory: "256Gi",
  gpu: { model: "A100-40GB", count: 2 },
};

/** A line of tools/test-failures-reporter.mjs. */
interface TestFailure {
  readonly file: string;
  readonly test: string;
  readonly message: string;
}

const log = (line: string) => process.stderr.write(`check-new-profile: ${line}\n`);

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  quiet = true,
): { ok: boolean; output: string } {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    stdio: quiet ? "pipe" : ["ignore", "inherit", "inherit"],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

function must(command: string, args: readonly string[], cwd: string): string {
  const result = run(command, args, cwd);
  if (!result.ok) fail(`${command} ${args.join(" ")} failed in ${cwd}:\n${result.output}`);
  return result.output;
}

/** The working tree's files (tracked and new, not ignored), or REF's, in `dir` as a fresh repository. */
function copyProject(dir: string, ref: string | undefined): void {
  if (ref) {
    const archive = spawnSync("git", ["archive", "--format=tar", ref], {
      cwd: PROJECT_ROOT,
      maxBuffer: 1 << 30,
    });
    if (archive.status !== 0) fail(`git archive ${ref}: ${archive.stderr}`);
    const untar = spawnSync("tar", ["-x", "-C", dir], { input: archive.stdout });
    if (untar.status !== 0) fail(`tar: ${untar.stderr}`);
  } else {
    const files = must("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], PROJECT_ROOT)
      .split("\0")
      .filter((file) => file !== "" && existsSync(path.join(PROJECT_ROOT, file)))
      .filter((file) => !/^(node_modules|\.work)(\/|$)/.test(file));
    for (const file of files) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      cpSync(path.join(PROJECT_ROOT, file), path.join(dir, file), { verbatimSymlinks: true });
    }
  }
  symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
  const venv = path.join(PROJECT_ROOT, ".work", "venv");
  if (existsSync(venv)) {
    mkdirSync(path.join(dir, ".work"), { recursive: true });
    symlinkSync(venv, path.join(dir, ".work", "venv"));
  }
  const identity = ["-c", "user.name=check-new-profile", "-c", "user.email=check-new-profile@localhost"];
  must("git", ["init", "-q"], dir);
  must("git", ["add", "-A"], dir);
  must("git", [...identity, "commit", "-q", "--no-verify", "-m", `baseline: ${ref ?? "working tree"}`], dir);
}

/** The node goes in as an editor would add it: four lines after the last node, nothing else touched. */
function addProfileAndNode(dir: string): void {
  writeFileSync(path.join(dir, NEW_PROFILE_FILE), NEW_PROFILE);
  const stackFile = path.join(dir, "Pulumi.prod.yaml");
  const text = readFileSync(stackFile, "utf8");
  const nodes = parseDocument(text).getIn(["config", "gpu-jupyterhub:nodes"], true);
  if (!isSeq(nodes) || !nodes.range) fail("Pulumi.prod.yaml has no list config.gpu-jupyterhub:nodes");
  const [start, end] = nodes.range;
  const indent = " ".repeat(start - (text.lastIndexOf("\n", start - 1) + 1));
  const entry = [
    `${indent}- name: ${NEW_NODE.name}`,
    `${indent}  cpu: "${NEW_NODE.cpu}"`,
    `${indent}  memory: ${NEW_NODE.memory}`,
    `${indent}  gpu: { model: ${NEW_NODE.gpu.model}, count: ${NEW_NODE.gpu.count} }`,
  ].join("\n");
  const at = text.indexOf("\n", end - 1) + 1;
  writeFileSync(stackFile, `${text.slice(0, at)}${entry}\n${text.slice(at)}`);
  const added = parseDocument(readFileSync(stackFile, "utf8")).getIn(
    ["config", "gpu-jupyterhub:nodes"],
    true,
  );
  if (!isSeq(added) || added.items.length !== nodes.items.length + 1)
    fail(`could not add node ${NEW_NODE.name} to Pulumi.prod.yaml`);
}

function testFiles(dir: string, sim: boolean): string[] {
  return must("find", ["test", "-name", "*.test.ts"], dir)
    .split("\n")
    .filter((file) => file !== "")
    .filter(
      (file) =>
        (sim || !file.startsWith("test/sim/")) &&
        !file.startsWith("test/browser/") &&
        file !== "test/engine/engine.test.ts",
    )
    .sort();
}

/** Runs the tests; answers the failures (one per failed test, suites that only contain one left out). */
function runTests(dir: string, files: readonly string[], label: string): TestFailure[] {
  const output = path.join(dir, ".work", `failures-${label}.jsonl`);
  mkdirSync(path.dirname(output), { recursive: true });
  const started = Date.now();
  const result = run(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      "--test-reporter=dot",
      "--test-reporter-destination=stderr",
      `--test-reporter=${path.join(PROJECT_ROOT, "tools", "test-failures-reporter.mjs")}`,
      `--test-reporter-destination=${output}`,
      ...files,
    ],
    dir,
    false,
  );
  const lines = existsSync(output)
    ? readFileSync(output, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as TestFailure | { passed: number; failed: number })
    : [];
  const counts = lines.find((line) => "passed" in line);
  if (!counts || counts.passed === 0 || (!result.ok && counts.failed === 0))
    fail(`${label}: the test run did not report its tests (exit ${result.ok ? 0 : "not 0"}); see above`);
  const failures = lines
    .filter((line): line is TestFailure => "test" in line)
    .map((failure) => ({ ...failure, file: path.relative(dir, failure.file) }));
  log(
    `${label}: ${files.length} files, ${counts.passed} tests passed, ${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  return failures;
}

const key = (failure: TestFailure) => `${failure.file}\0${failure.test}`;

runCommand(() => {
  const { values } = parseCommandLine(USAGE, {
    ref: { type: "string" },
    sim: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  });
  if (values.help) return void console.log(USAGE);
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), "check-new-profile-"));
  log(`copy of ${values.ref ?? "the working tree"} in ${dir}`);
  try {
    copyProject(dir, values.ref as string | undefined);
    const files = testFiles(dir, values.sim as boolean);
    const before = runTests(dir, files, "baseline");

    addProfileAndNode(dir);
    const validation = run(
      process.execPath,
      ["--import", "tsx", "tools/validate.ts", "--stack", "prod"],
      dir,
    );
    if (!validation.ok) fail(`the added profile or node is not valid any more:\n${validation.output}`);
    must(
      process.execPath,
      ["--import", "tsx", "tools/render.ts", "--stack", "prod", "--out", "test/golden/prod"],
      dir,
    );
    must("git", ["add", "-A"], dir);
    const changed = must("git", ["diff", "--cached", "--stat"], dir);
    log(`added ${NEW_PROFILE_FILE} and node ${NEW_NODE.name}, golden render updated:\n${changed}`);
    const after = runTests(dir, files, "with-new-profile-and-node");

    const failedBefore = new Set(before.map(key));
    const broken = after.filter((failure) => !failedBefore.has(key(failure)));
    const already = after.filter((failure) => failedBefore.has(key(failure)));
    const lines = [
      `Tests that fail with ${NEW_PROFILE_FILE} and node ${NEW_NODE.name} added (golden render updated) and pass without: ${broken.length}`,
      ...broken.map((failure) => `  ${failure.file} › ${failure.test}\n      ${failure.message}`),
    ];
    if (already.length > 0)
      lines.push(
        `Failing already without the addition (not counted): ${already.length}`,
        ...already.map((failure) => `  ${failure.file} › ${failure.test}`),
      );
    lines.push(`${((Date.now() - started) / 1000).toFixed(0)} s in all`);
    console.log(lines.join("\n"));
    if (broken.length > 0) process.exitCode = 1;
  } finally {
    if (values.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
});
