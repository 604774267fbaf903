/**
 * npm run scan -- [--stack NAME] [--json]: a third-party scan of the rendered manifests. Installs
 * checkov (pinned in tools/checkov-requirements.txt) into its own venv .work/checkov-venv
 * (tools/checkov-env.sh), renders the stack into .work/scan/<stack>/ as `npm run render` does, runs
 * checkov's kubernetes checks on it, and prints the passed and failed counts and the failed check ids
 * per resource. For prod it then compares the failures with the accepted ones
 * (test/fixtures/checkov-accepted.txt, justified in docs/operations.md, "Manifest scan").
 *
 * Exit 0: every failure is accepted; 1: a failure is not accepted, or an accepted one no longer
 * fails (delete its line); 2: the scan could not run (no Python, no PyPI, checkov crashed).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { displayPath, fail, loadOrExit, PROJECT_ROOT, parseCommandLine, runCommand } from "./cli";
import { renderToDirectory } from "./render";

const USAGE = "usage: npm run scan -- [--stack NAME] [--json]";
export const ACCEPTED_FILE = path.join(PROJECT_ROOT, "test", "fixtures", "checkov-accepted.txt");
const CHECKOV = path.join(PROJECT_ROOT, ".work", "checkov-venv", "bin", "checkov");

/** One failed check: checkov's id and its resource, `Kind.namespace.name`. */
export interface Failure {
  readonly checkId: string;
  readonly resource: string;
  readonly name: string;
}

export interface ScanResult {
  readonly checkovVersion: string;
  readonly passed: number;
  readonly failed: number;
  readonly failures: readonly Failure[];
}

/** A line of the accepted list: `CHECK_ID RESOURCE  # why`; `*` in RESOURCE matches any characters. */
export interface AcceptedEntry {
  readonly line: number;
  readonly checkId: string;
  readonly resource: string;
  readonly why: string;
}

interface CheckovCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
}

interface CheckovReport {
  readonly check_type: string;
  readonly summary: { readonly passed: number; readonly failed: number; readonly checkov_version: string };
  readonly results: { readonly failed_checks: readonly CheckovCheck[] };
}

/** checkov's JSON: one report per framework, or a bare list, or an empty summary when nothing was found. */
export function scanResultOf(json: string): ScanResult {
  const parsed = JSON.parse(json) as CheckovReport | CheckovReport[];
  const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter(
    (report) => report.check_type === "kubernetes",
  );
  const [report] = reports;
  if (reports.length !== 1 || !report) {
    throw new Error(`expected one kubernetes report from checkov, got ${reports.length}`);
  }
  const failures = report.results.failed_checks
    .map((check) => ({ checkId: check.check_id, resource: check.resource, name: check.check_name }))
    .sort(
      (a, b) =>
        a.resource.localeCompare(b.resource) || a.checkId.localeCompare(b.checkId, "en", { numeric: true }),
    );
  return {
    checkovVersion: report.summary.checkov_version,
    passed: report.summary.passed,
    failed: report.summary.failed,
    failures,
  };
}

/** The accepted list, or the lines that are not `CHECK_ID RESOURCE  # why` (a reason is required). */
export function parseAccepted(text: string): { entries: AcceptedEntry[]; problems: string[] } {
  const entries: AcceptedEntry[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) return;
    const match = /^(CKV2?_K8S_\d+)\s+(\S+)\s+#\s*(\S.*)$/.exec(raw.trim());
    if (!match) {
      problems.push(`${line}: expected "CHECK_ID Kind.namespace.name  # why it is accepted", got "${raw}"`);
      return;
    }
    const [, checkId = "", resource = "", why = ""] = match;
    entries.push({ line, checkId, resource, why: why.trim() });
  });
  return { entries, problems };
}

function matches(entry: AcceptedEntry, failure: Failure): boolean {
  const pattern = entry.resource.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return entry.checkId === failure.checkId && new RegExp(`^${pattern.join(".*")}$`).test(failure.resource);
}

/** Failures no entry accepts, and entries that accept no failure any more. */
export function compareWithAccepted(
  failures: readonly Failure[],
  accepted: readonly AcceptedEntry[],
): { unexpected: Failure[]; stale: AcceptedEntry[] } {
  return {
    unexpected: failures.filter((failure) => !accepted.some((entry) => matches(entry, failure))),
    stale: accepted.filter((entry) => !failures.some((failure) => matches(entry, failure))),
  };
}

/** Makes or reuses .work/checkov-venv; throws with the helper's output if it cannot. `progress`
 * shows the helper's messages (the first install takes about 30 s) instead of keeping them for an error. */
export function ensureCheckov(progress = false): string {
  const env = spawnSync("bash", [path.join(PROJECT_ROOT, "tools", "checkov-env.sh")], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", progress ? "inherit" : "pipe"],
    timeout: 10 * 60_000,
  });
  if (env.status !== 0) {
    const output = `${env.error?.message ?? ""}${env.stdout ?? ""}${env.stderr ?? ""}`;
    throw new Error(`tools/checkov-env.sh failed:\n${output}`);
  }
  return CHECKOV;
}

/** Runs checkov's kubernetes checks on a folder of manifests; no network (--skip-download). */
export function runCheckov(checkov: string, folder: string): ScanResult {
  // From inside the folder: checkov silently skips a --directory whose absolute path has a hidden
  // component (.work), reporting 0 passed and 0 failed.
  const run = spawnSync(
    checkov,
    ["--directory", ".", "--framework", "kubernetes", "--output", "json", "--compact", "--skip-download"],
    {
      cwd: folder,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 5 * 60_000,
      env: { ...process.env, LOG_LEVEL: "WARNING" },
    },
  );
  // 0: no failures, 1: failures; anything else is checkov itself failing.
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`checkov failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stderr}`);
  }
  const result = scanResultOf(run.stdout);
  if (result.passed + result.failed === 0)
    throw new Error(`checkov found no Kubernetes objects in ${folder}`);
  return result;
}

/** Installs checkov if needed, renders the stack into .work/scan/<stack>/ and scans it. */
export async function scanStack(stack: string, progress = false): Promise<ScanResult & { folder: string }> {
  const checkov = ensureCheckov(progress);
  const { config } = loadOrExit(stack);
  const folder = path.join(PROJECT_ROOT, ".work", "scan", stack);
  await renderToDirectory(config, folder);
  return { ...runCheckov(checkov, folder), folder };
}

/** The failed check ids per resource, one resource a line. */
export function failuresByResource(failures: readonly Failure[]): string[] {
  const byResource = new Map<string, string[]>();
  for (const failure of failures) {
    byResource.set(failure.resource, [...(byResource.get(failure.resource) ?? []), failure.checkId]);
  }
  return [...byResource].map(([resource, ids]) => `  ${resource}: ${ids.join(", ")}`);
}

if (require.main === module) {
  runCommand(async () => {
    const { values } = parseCommandLine(USAGE, {
      stack: { type: "string", default: "prod" },
      json: { type: "boolean" },
    });
    if (values.help) return void console.log(USAGE);
    const stack = values.stack as string;
    let result: Awaited<ReturnType<typeof scanStack>>;
    try {
      result = await scanStack(stack, true);
    } catch (error) {
      fail((error as Error).message, 2);
    }
    const acceptedText = stack === "prod" ? readFileSync(ACCEPTED_FILE, "utf8") : undefined;
    const accepted = acceptedText === undefined ? undefined : parseAccepted(acceptedText);
    const comparison = accepted && compareWithAccepted(result.failures, accepted.entries);
    if (values.json) {
      console.log(JSON.stringify({ stack, ...result, ...comparison }, null, 2));
    } else {
      const total = result.passed + result.failed;
      console.log(
        `checkov ${result.checkovVersion} on ${displayPath(result.folder)}/ (stack "${stack}"): ` +
          `${result.passed} passed, ${result.failed} failed of ${total} checks`,
      );
      if (result.failures.length > 0)
        console.log(["failed, by resource:", ...failuresByResource(result.failures)].join("\n"));
      if (comparison) {
        const where = displayPath(ACCEPTED_FILE);
        for (const failure of comparison.unexpected)
          console.log(`NOT ACCEPTED: ${failure.checkId} ${failure.resource} (${failure.name})`);
        for (const entry of comparison.stale)
          console.log(
            `NO LONGER FAILS: ${where}:${entry.line}: ${entry.checkId} ${entry.resource}: delete the line`,
          );
        for (const problem of accepted?.problems ?? []) console.log(`${where}:${problem}`);
        if (comparison.unexpected.length === 0 && comparison.stale.length === 0)
          console.log(`every failure is accepted in ${where} (reasons: docs/operations.md, "Manifest scan")`);
      }
    }
    const bad =
      (comparison?.unexpected.length ?? 0) +
      (comparison?.stale.length ?? 0) +
      (accepted?.problems.length ?? 0);
    process.exitCode = bad > 0 ? 1 : 0;
  });
}
