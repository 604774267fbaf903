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
import { readFileSync } from "node:fs";
import path from "node:path";
import { displayPath, fail, loadOrExit, PROJECT_ROOT, parseCommandLine, runCommand } from "../cli/command";
import { renderToDirectory } from "../render/directory";
import {
  ACCEPTED_FILE,
  compareWithAccepted,
  ensureCheckov,
  failuresByResource,
  parseAccepted,
  runCheckov,
  type ScanResult,
} from "../render/scan";

const USAGE = "usage: npm run scan -- [--stack NAME] [--json]";

/** Installs checkov if needed, renders the stack into .work/scan/<stack>/ and scans it. */
async function scanStack(stack: string, progress = false): Promise<ScanResult & { folder: string }> {
  const checkov = ensureCheckov(progress);
  const { config } = loadOrExit(stack);
  const folder = path.join(PROJECT_ROOT, ".work", "scan", stack);
  await renderToDirectory(config, folder);
  return { ...runCheckov(checkov, folder), folder };
}

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
    (comparison?.unexpected.length ?? 0) + (comparison?.stale.length ?? 0) + (accepted?.problems.length ?? 0);
  process.exitCode = bad > 0 ? 1 : 0;
});
