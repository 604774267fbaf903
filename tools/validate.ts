/**
 * npm run validate -- [--stack NAME] [--profiles DIR] [--strict]
 * Exit 0 and a summary when the config is valid; exit 1 and FILE:LINE:COL: FIELD: message lines when not.
 */
import { formatIssue } from "../config/issues";
import { displayPath, fail, loadOrExit, parseCommandLine, runCommand } from "./cli";
import { summarize } from "./summary";

const USAGE = "usage: npm run validate -- [--stack NAME] [--profiles DIR] [--strict]";

runCommand(() => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    profiles: { type: "string" },
    strict: { type: "boolean", default: false },
  });
  if (values.help) return void console.log(USAGE);
  const stack = values.stack as string;
  const { config, result } = loadOrExit(stack, values.profiles as string | undefined);
  console.log(summarize(config, stack));
  const beforeDeploy = result.issues.filter((issue) => issue.severity === "deploy");
  const secretMissing = !result.secretsSet.has("oauthClientSecret");
  if (beforeDeploy.length > 0 || secretMissing) {
    console.log("\nBefore `pulumi up` (render, capacity and preview work without these):");
    for (const issue of beforeDeploy)
      console.log(`  ${formatIssue({ ...issue, file: displayPath(issue.file) })}`);
    if (secretMissing) {
      console.log(
        "  the OAuth client secret is not set: pulumi config set --secret gpu-jupyterhub:oauthClientSecret",
      );
    }
    if (values.strict) fail("not ready to deploy (--strict).");
  }
  console.log("\nThe config is valid.");
});
