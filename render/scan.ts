/**
 * The manifest scan (`npm run scan`): checkov's kubernetes checks on a folder of rendered manifests,
 * and the failures compared with the accepted ones (test/fixtures/checkov-accepted.txt, each line
 * `CHECK_ID RESOURCE  # why`, justified in docs/operations.md, "Manifest scan"). checkov is pinned in
 * tools/checkov-requirements.txt and installed by tools/checkov-env.sh into its own venv
 * .work/checkov-venv.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "../cli/command";

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

/** The failed check ids per resource, one resource a line. */
export function failuresByResource(failures: readonly Failure[]): string[] {
  const byResource = new Map<string, string[]>();
  for (const failure of failures) {
    byResource.set(failure.resource, [...(byResource.get(failure.resource) ?? []), failure.checkId]);
  }
  return [...byResource].map(([resource, ids]) => `  ${resource}: ${ids.join(", ")}`);
}
