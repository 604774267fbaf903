/**
 * npm run validate -- [--stack NAME] [--profiles DIR] [--strict]
 * Exit 0 and a summary when the config is valid; exit 1 and FILE:LINE:COL: FIELD: message lines when not.
 * Files the loader skipped (editor backups, hidden files) are listed as notes either way.
 */
import path from "node:path";
import { displayPath, fail, parseCommandLine, runCommand, stackFilePath } from "../cli/command";
import { summarize } from "../cli/summary";
import { type ConfigIssue, formatIssue } from "../config/issues";
import { loadPlatformConfig } from "../config/load";

const USAGE = "usage: npm run validate -- [--stack NAME] [--profiles DIR] [--strict]";

const show = (issue: ConfigIssue) => formatIssue({ ...issue, file: displayPath(issue.file) });

runCommand(() => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    profiles: { type: "string" },
    strict: { type: "boolean", default: false },
  });
  if (values.help) return void console.log(USAGE);
  const stack = values.stack as string;
  const profiles = values.profiles as string | undefined;
  const result = loadPlatformConfig({
    stackFile: stackFilePath(stack),
    ...(profiles ? { profilesDir: path.resolve(profiles) } : {}),
  });
  const errors = result.issues.filter((issue) => issue.severity === "error");
  const notes = result.issues.filter((issue) => issue.severity === "note");
  if (errors.length > 0 || !result.config) {
    for (const issue of errors) process.stderr.write(`${show(issue)}\n`);
    for (const note of notes) process.stderr.write(`note: ${show(note)}\n`);
    fail(`${errors.length} problem(s) in the config of stack "${stack}"; nothing was changed.`);
  }
  console.log(summarize(result.config, stack));
  if (notes.length > 0) {
    console.log("\nSkipped (not profiles):");
    for (const note of notes) console.log(`  ${show(note)}`);
  }
  const beforeDeploy = result.issues.filter((issue) => issue.severity === "deploy");
  const secretMissing = !result.secretsSet.has("oauthClientSecret");
  if (beforeDeploy.length > 0 || secretMissing) {
    console.log("\nBefore `pulumi up` (render, capacity and preview work without these):");
    for (const issue of beforeDeploy) console.log(`  ${show(issue)}`);
    if (secretMissing) {
      console.log(
        "  the OAuth client secret is not set: pulumi config set --secret gpu-jupyterhub:oauthClientSecret",
      );
    }
    if (values.strict) fail("not ready to deploy (--strict).");
  }
  console.log("\nThe config is valid.");
});
