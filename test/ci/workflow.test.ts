/**
 * The CI workflows (docs/ci.md): actionlint (pinned by sim/tools/actionlint/go.mod, built by
 * sim/build-tools.sh) finds nothing, and the preview workflow keeps its rules: least privilege, fork
 * pull requests on the fallback path and never on the cluster runner, the policy pack in the preview.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { BUILD_TOOLS } from "../../sim/tools";
import { PROJECT_ROOT } from "../helpers";

const WORKFLOWS_DIR = path.join(PROJECT_ROOT, ".github", "workflows");
const PREVIEW_FILE = path.join(WORKFLOWS_DIR, "preview.yml");
const ACTIONLINT_GO_MOD = path.join(PROJECT_ROOT, "sim", "tools", "actionlint", "go.mod");

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Readonly<Record<string, unknown>>;
}

interface Job {
  readonly name?: string;
  readonly needs?: string | readonly string[];
  readonly if?: string;
  readonly "runs-on": unknown;
  readonly permissions?: string | Readonly<Record<string, string>>;
  readonly "timeout-minutes"?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions?: string | Readonly<Record<string, string>>;
  readonly concurrency?: { readonly group: string; readonly "cancel-in-progress"?: unknown };
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((file) => file.endsWith(".yml") || file.endsWith(".yaml"))
    .sort()
    .map((file) => path.join(WORKFLOWS_DIR, file));
}

function readWorkflow(file: string): Workflow {
  return parse(readFileSync(file, "utf8")) as Workflow;
}

const workflow = readWorkflow(PREVIEW_FILE);

function job(name: string): Job {
  const found = workflow.jobs[name];
  assert.ok(found, `.github/workflows/preview.yml has a job "${name}"`);
  return found;
}

/** The version sim/tools/actionlint/go.mod pins (what `build-tools.sh --list` must report). */
function pinnedActionlintVersion(): string {
  const match = /^\s*github\.com\/rhysd\/actionlint (v\S+)/m.exec(readFileSync(ACTIONLINT_GO_MOD, "utf8"));
  assert.ok(match?.[1], `${ACTIONLINT_GO_MOD} requires github.com/rhysd/actionlint`);
  return match[1];
}

/**
 * The actionlint binary from `sim/build-tools.sh --list`, the one place that knows tool versions and
 * paths. Fails (never skips) when the script has no actionlint target or the binary is not built.
 */
function actionlintBinary(): { file: string; version: string } {
  const list = spawnSync("bash", [BUILD_TOOLS, "--list"], { encoding: "utf8" });
  assert.equal(list.status, 0, `bash sim/build-tools.sh --list failed: ${list.stderr}`);
  const row = list.stdout
    .split("\n")
    .map((line) => line.trim().split(" "))
    .find(([name]) => name === "actionlint");
  if (!row) {
    assert.fail(
      "`bash sim/build-tools.sh --list` has no `actionlint <version> <path>` line: sim/build-tools.sh needs an " +
        "actionlint target built from sim/tools/actionlint/go.mod (docs/ci.md, Checking the workflow)",
    );
  }
  const [, version = "", file = ""] = row;
  try {
    accessSync(file, constants.X_OK);
  } catch {
    assert.fail(`actionlint ${version} is not built at ${file}: run \`bash sim/build-tools.sh actionlint\``);
  }
  return { file, version };
}

describe("actionlint", () => {
  test("build-tools.sh lists the actionlint that sim/tools/actionlint/go.mod pins, with its version built in", () => {
    const { file, version } = actionlintBinary();
    assert.equal(version, pinnedActionlintVersion());
    const reported = spawnSync(file, ["-version"], { encoding: "utf8" }).stdout.split("\n")[0];
    assert.equal(
      reported,
      version.replace(/^v/, ""),
      "actionlint -version (build with -ldflags '-X github.com/rhysd/actionlint.version=<version without v>')",
    );
  });

  test("finds nothing in .github/workflows (with shellcheck on the run: scripts when it is installed)", (t) => {
    const { file } = actionlintBinary();
    const shellcheck = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (shellcheck.status !== 0) {
      t.diagnostic(
        "shellcheck is not on PATH: actionlint did not check the run: scripts (apt install shellcheck)",
      );
    }
    const files = workflowFiles();
    assert.ok(files.length > 0, "there are workflows");
    const result = spawnSync(file, ["-no-color", ...files.map((f) => path.relative(PROJECT_ROOT, f))], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(result.status, 0, `actionlint found problems:\n${result.stdout}${result.stderr}`);
  });
});

/**
 * A GitHub Actions `if:` expression, for the subset these workflows use: context paths, '...' strings,
 * true/false/null, ==, !=, !, &&, || and parentheses. Strings compare case-insensitively, as on GitHub.
 * Anything else (a function call, say) throws, so the test is extended rather than fooled.
 */
function evaluate(expression: string, context: Readonly<Record<string, unknown>>): unknown {
  const source = expression
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, "$1")
    .trim();
  const tokens = source.match(/\s*('(?:[^']|'')*'|==|!=|&&|\|\||[!()]|[A-Za-z_][\w.\-[\]]*|\S)/g) ?? [];
  const queue = tokens.map((token) => token.trim());
  let position = 0;
  const peek = () => queue[position];
  const next = () => queue[position++];
  const truthy = (value: unknown) =>
    !(value === null || value === undefined || value === false || value === 0 || value === "");
  const equal = (a: unknown, b: unknown) =>
    typeof a === "string" && typeof b === "string"
      ? a.toLowerCase() === b.toLowerCase()
      : (a ?? null) === (b ?? null);
  const lookup = (name: string): unknown =>
    name.split(".").reduce<unknown>((value, key) => {
      if (value === null || typeof value !== "object") return null;
      return (value as Record<string, unknown>)[key] ?? null;
    }, context);

  function primary(): unknown {
    const token = next();
    if (token === undefined) throw new Error(`unexpected end of expression: ${expression}`);
    if (token === "(") {
      const value = or();
      if (next() !== ")") throw new Error(`missing ) in: ${expression}`);
      return value;
    }
    if (token === "!") return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (token === "true" || token === "false") return token === "true";
    if (token === "null") return null;
    if (/^[A-Za-z_]/.test(token)) {
      if (peek() === "(") throw new Error(`function ${token}() is not supported by this test's evaluator`);
      return lookup(token);
    }
    throw new Error(`unexpected "${token}" in: ${expression}`);
  }
  function comparison(): unknown {
    let left = primary();
    while (peek() === "==" || peek() === "!=") {
      const operator = next();
      const right = primary();
      left = operator === "==" ? equal(left, right) : !equal(left, right);
    }
    return left;
  }
  function and(): unknown {
    let left = comparison();
    while (peek() === "&&") {
      next();
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  function or(): unknown {
    let left = and();
    while (peek() === "||") {
      next();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  const value = or();
  if (position !== queue.length) throw new Error(`unexpected "${peek()}" in: ${expression}`);
  return truthy(value);
}

const REPOSITORY = "cps-unileoben/gpu-jupyterhub";

function pullRequestEvent(headRepository: string | null, author = "student") {
  return {
    github: {
      event_name: "pull_request",
      repository: REPOSITORY,
      event: {
        pull_request: {
          number: 7,
          user: { login: author },
          head: { repo: headRepository === null ? null : { full_name: headRepository } },
          base: { repo: { full_name: REPOSITORY } },
        },
      },
    },
  };
}

const EVENTS = {
  "a pull request from a branch of the repository": pullRequestEvent(REPOSITORY),
  "a pull request from a fork": pullRequestEvent("someone/gpu-jupyterhub"),
  "a pull request whose fork was deleted": pullRequestEvent(null),
  "a Dependabot pull request": pullRequestEvent(REPOSITORY, "dependabot[bot]"),
  "a push to main": { github: { event_name: "push", repository: REPOSITORY, event: {} } },
} as const;

function runs(jobName: string, event: Readonly<Record<string, unknown>>): boolean {
  const condition = job(jobName).if;
  return condition === undefined ? true : evaluate(condition, event) === true;
}

function permissionsOf(value: Job["permissions"] | Workflow["permissions"]): Record<string, string> {
  assert.equal(typeof value === "string", false, `permissions are listed, not "${value}"`);
  return { ...(value as Record<string, string> | undefined) };
}

function pulumiStep(): Step {
  const steps = job("preview").steps.filter((step) => step.uses?.startsWith("pulumi/actions@"));
  assert.equal(steps.length, 1, "the preview job has one pulumi/actions step");
  return steps[0] as Step;
}

/** `${{ env.NAME }}` resolved from the workflow's env, anything else as written. */
function resolved(value: unknown): unknown {
  const match = typeof value === "string" ? /^\$\{\{\s*env\.(\w+)\s*\}\}$/.exec(value) : null;
  return match?.[1] ? workflow.env?.[match[1]] : value;
}

describe(".github/workflows/preview.yml", () => {
  test("no workflow uses pull_request_target (it would run the PR's code with the secrets)", () => {
    for (const file of workflowFiles()) {
      const triggers = readWorkflow(file).on;
      const names =
        typeof triggers === "string"
          ? [triggers]
          : Array.isArray(triggers)
            ? triggers
            : Object.keys(triggers);
      assert.ok(
        !names.includes("pull_request_target"),
        `${path.basename(file)} is not triggered by pull_request_target`,
      );
      assert.doesNotMatch(readFileSync(file, "utf8"), /^\s*-?\s*pull_request_target\b/m, path.basename(file));
    }
    assert.ok("pull_request" in workflow.on, "previews run on pull_request");
  });

  test("least privilege: contents: read for the workflow; pull-requests: write on the preview job only", () => {
    assert.deepEqual(permissionsOf(workflow.permissions), { contents: "read" });
    for (const [name, definition] of Object.entries(workflow.jobs)) {
      const granted = permissionsOf(definition.permissions);
      const writes = Object.entries(granted).filter(([, level]) => level === "write");
      if (name === "preview") {
        assert.deepEqual(granted, { contents: "read", "pull-requests": "write" }, "preview's permissions");
      } else {
        assert.deepEqual(writes, [], `job ${name} writes nothing`);
      }
    }
  });

  test("fork pull requests take the fallback path; branches of the repository the real preview", () => {
    for (const [label, event] of Object.entries(EVENTS)) {
      const preview = runs("preview", event);
      const fallback = runs("fork-fallback", event);
      const fromBranch = label === "a pull request from a branch of the repository";
      const isPullRequest = label !== "a push to main";
      assert.equal(preview, fromBranch, `${label}: preview ${fromBranch ? "runs" : "does not run"}`);
      assert.equal(fallback, isPullRequest && !fromBranch, `${label}: fallback`);
    }
    assert.ok(
      job("preview").if?.includes("github.event.pull_request.head.repo.full_name == github.repository"),
    );
  });

  test("the fallback has no secrets and stays off the cluster runner; it validates and diffs the render", () => {
    const fallback = job("fork-fallback");
    assert.doesNotMatch(JSON.stringify(fallback), /\$\{\{[^}]*\bsecrets\./, "no secret in the fallback job");
    assert.match(String(fallback["runs-on"]), /^ubuntu-/, "a GitHub-hosted runner");
    const scripts = fallback.steps.map((step) => step.run ?? "").join("\n");
    assert.match(scripts, /npm run validate -- --stack prod/);
    assert.match(scripts, /npm run render -- --stack prod --out rendered/);
    assert.match(scripts, /diff -ru \S+\/test\/golden\/prod rendered/);
    assert.ok(
      fallback.steps.some((step) => /github\.event\.pull_request\.base\.sha/.test(String(step.with?.ref))),
      "the base branch's golden copy is checked out to diff against",
    );
  });

  test("the preview runs on the campus runner: a self-hosted label set defined in one place", () => {
    const runsOn = String(job("preview")["runs-on"]);
    assert.match(runsOn, /vars\.PREVIEW_RUNNER/);
    assert.match(runsOn, /"self-hosted"/);
    const others = Object.entries(workflow.jobs).filter(([name]) => name !== "preview");
    for (const [name, definition] of others) {
      assert.doesNotMatch(
        JSON.stringify(definition["runs-on"]),
        /self-hosted|PREVIEW_RUNNER/,
        `${name} runner`,
      );
    }
  });

  test("pulumi preview --diff --policy-pack policies, with the CLI release package.json pins", () => {
    const step = pulumiStep();
    assert.equal(step.with?.command, "preview");
    assert.equal(step.with?.diff, true);
    assert.equal(step.with?.policyPacks, "policies");
    assert.equal(step.with?.["comment-on-pr"], true);
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    assert.equal(String(resolved(step.with?.["pulumi-version"])), pkg.dependencies["@pulumi/pulumi"]);
    assert.match(String(resolved(step.with?.["stack-name"])), /vars\.PULUMI_STACK \|\| 'prod'/, "the stack");
    assert.deepEqual(job("preview").needs, "check", "the preview waits for the checks");
  });

  test("every action is pinned to a full commit SHA with its release in a comment", () => {
    for (const file of workflowFiles()) {
      const lines = readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => /^\s*(-\s+)?uses:/.test(line));
      for (const line of lines) {
        assert.match(
          line,
          /uses:\s*[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/,
          `${path.basename(file)}: ${line.trim()}`,
        );
      }
    }
  });

  test("one run at a time per pull request, and every job has a timeout", () => {
    assert.match(workflow.concurrency?.group ?? "", /github\.event\.pull_request\.number/);
    for (const [name, definition] of Object.entries(workflow.jobs)) {
      assert.ok((definition["timeout-minutes"] ?? 0) > 0, `job ${name} has timeout-minutes`);
    }
  });

  test("the check job validates, renders against the golden copy (saying how to update it), and tests", () => {
    const scripts = job("check")
      .steps.map((step) => step.run ?? "")
      .join("\n");
    assert.match(scripts, /npm run validate -- --stack prod/);
    assert.match(scripts, /npm run render -- --stack prod --out rendered/);
    assert.match(scripts, /diff -ru test\/golden\/prod rendered/);
    assert.match(
      scripts,
      /::error [^\n]*npm run golden:update/,
      "the error annotation names npm run golden:update",
    );
    assert.match(scripts, /^npm test$/m);
  });
});
