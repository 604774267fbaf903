/**
 * npm run golden:diff -- [--stack NAME] [--profiles DIR] [--rendered DIR] [--against DIR|GIT_REF] [--markdown]
 * What the current render changes compared with the reviewed golden copy, for the people it
 * affects: profiles added, removed and changed field by field, hub-wide settings, and the
 * Kubernetes objects added, removed or changed by kind and name. Exit 0: the same; 1: different;
 * 2: nothing could be compared (an unknown ref, a config that does not validate, a broken file).
 */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { displayPath, fail, PROJECT_ROOT, parseCommandLine, runCommand } from "../cli/command";
import { RefError, refWorkspace } from "../cli/git-ref";
import { formatIssue } from "../config/issues";
import { loadPlatformConfig } from "../config/load";
import { diffRenders, type RenderDiff, type RenderedFiles, RenderReadError } from "../render/diff";
import { MARKDOWN_HEADING, renderDiffMarkdown, renderDiffText } from "../render/diff-report";
import { readRenderedDir, renderToDirectory } from "../render/directory";
import { goldenAtRef } from "../render/golden";

const USAGE = [
  "usage: npm run golden:diff -- [--stack NAME] [--profiles DIR] [--rendered DIR] [--against DIR|GIT_REF] [--markdown [--heading TEXT]]",
  "  compares the render of the working tree (or the files in --rendered DIR) with the golden copy",
  "  test/golden/<stack>/ (or --against: a folder of rendered files, or a git ref: its test/golden/<stack>/)",
  "  exit 0: the same; 1: different; 2: nothing could be compared",
].join("\n");

const DIFFERENT = 1;
const CANNOT_COMPARE = 2;

runCommand(async () => {
  const { values } = parseCommandLine(USAGE, {
    stack: { type: "string", default: "prod" },
    profiles: { type: "string" },
    rendered: { type: "string" },
    against: { type: "string" },
    markdown: { type: "boolean", default: false },
    heading: { type: "string", default: MARKDOWN_HEADING },
  });
  if (values.help) return void console.log(USAGE);
  const stack = values.stack as string;
  const goldenDir = path.join(PROJECT_ROOT, "test", "golden", stack);
  const against = values.against as string | undefined;
  let before: RenderedFiles;
  let beforeName: string;
  let after: RenderedFiles;
  let afterName: string;
  try {
    if (against === undefined || (existsSync(against) && statSync(against).isDirectory())) {
      const dir = against ?? goldenDir;
      before = readRenderedDir(dir);
      beforeName = `${displayPath(path.resolve(dir))}/`;
    } else {
      before = goldenAtRef(PROJECT_ROOT, against, stack);
      beforeName = `the golden copy at ${against}`;
    }
    if (values.rendered) {
      after = readRenderedDir(values.rendered as string);
      afterName = `The render in ${displayPath(path.resolve(values.rendered as string))}/`;
    } else {
      after = await renderWorkingTree(stack, values.profiles as string | undefined);
      afterName = `The render of stack "${stack}"`;
    }
  } catch (error) {
    if (error instanceof RefError || error instanceof RenderReadError) {
      fail(`golden:diff: ${error.message}`, CANNOT_COMPARE);
    }
    throw error;
  }
  let diff: RenderDiff;
  try {
    diff = diffRenders(before, after);
  } catch (error) {
    if (error instanceof RenderReadError) fail(`golden:diff: ${error.message}`, CANNOT_COMPARE);
    throw error;
  }
  const title = `${afterName} compared with ${beforeName}`;
  const hint =
    against === undefined
      ? `If that is intended: npm run golden:update, then commit test/golden/${stack}/ with your change.`
      : undefined;
  process.stdout.write(
    values.markdown
      ? renderDiffMarkdown(diff, title, values.heading as string)
      : `${renderDiffText(diff, title, hint)}\n`,
  );
  process.exitCode = diff.equal ? 0 : DIFFERENT;
});

async function renderWorkingTree(stack: string, profiles: string | undefined): Promise<Map<string, string>> {
  const result = loadPlatformConfig({
    stackFile: path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`),
    ...(profiles ? { profilesDir: path.resolve(profiles) } : {}),
  });
  const errors = result.issues.filter((issue) => issue.severity === "error");
  if (!result.config || errors.length > 0) {
    for (const issue of errors)
      process.stderr.write(`${formatIssue({ ...issue, file: displayPath(issue.file) })}\n`);
    fail(
      `golden:diff: ${errors.length} problem(s) in the config of stack "${stack}"; nothing to compare.`,
      CANNOT_COMPARE,
    );
  }
  const workspace = refWorkspace();
  try {
    await renderToDirectory(result.config, workspace.dir);
    return readRenderedDir(workspace.dir);
  } finally {
    workspace.dispose();
  }
}
