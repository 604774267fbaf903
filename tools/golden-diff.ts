/**
 * npm run golden:diff -- [--stack NAME] [--profiles DIR] [--rendered DIR] [--against DIR|GIT_REF] [--markdown]
 * What the current render changes compared with the reviewed golden copy, for the people it
 * affects: profiles added, removed and changed field by field, hub-wide settings, and the
 * Kubernetes objects added, removed or changed by kind and name. Exit 0: the same; 1: different;
 * 2: nothing could be compared (an unknown ref, a config that does not validate, a broken file).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { formatIssue } from "../config/issues";
import { loadPlatformConfig } from "../config/load";
import {
  type Change,
  diffRenders,
  type RenderDiff,
  type RenderedFiles,
  RenderReadError,
} from "../render/diff";
import { displayPath, fail, PROJECT_ROOT, parseCommandLine, runCommand } from "./cli";
import { copyFromRef, gitPath, RefError, refWorkspace, resolveRef } from "./git-ref";
import { renderToDirectory } from "./render";
import { table } from "./summary";

const USAGE = [
  "usage: npm run golden:diff -- [--stack NAME] [--profiles DIR] [--rendered DIR] [--against DIR|GIT_REF] [--markdown [--heading TEXT]]",
  "  compares the render of the working tree (or the files in --rendered DIR) with the golden copy",
  "  test/golden/<stack>/ (or --against: a folder of rendered files, or a git ref: its test/golden/<stack>/)",
  "  exit 0: the same; 1: different; 2: nothing could be compared",
].join("\n");

export const DIFFERENT = 1;
export const CANNOT_COMPARE = 2;

/** The rendered files (`*.yaml`) of a folder. */
export function readRenderedDir(dir: string): Map<string, string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RenderReadError(`${displayPath(dir)} is not a folder of rendered files`);
  }
  return new Map(
    readdirSync(dir)
      .filter((file) => file.endsWith(".yaml"))
      .sort()
      .map((file) => [file, readFileSync(path.join(dir, file), "utf8")]),
  );
}

/** The golden copy of `stack` as committed at `ref`. */
export function goldenAtRef(projectRoot: string, ref: string, stack: string): Map<string, string> {
  const resolved = resolveRef(projectRoot, ref);
  const golden = gitPath(resolved, path.join(projectRoot, "test", "golden", stack));
  const workspace = refWorkspace();
  try {
    if (copyFromRef(resolved, golden, workspace.dir) === 0) {
      throw new RefError(`${ref} has no golden copy ${golden}/ (was the stack rendered there?)`);
    }
    return readRenderedDir(path.join(workspace.dir, ...golden.split("/")));
  } finally {
    workspace.dispose();
  }
}

const CHANGE_MARK: Record<Change, string> = { added: "+", removed: "-", changed: "~" };

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "1 profile changed, 1 added; 3 objects changed": the one-line gist. */
export function gist(diff: RenderDiff): string {
  if (diff.equal) return "no change";
  const by = (items: readonly { change: Change }[]) =>
    (["added", "removed", "changed"] as const)
      .map((change) => [change, items.filter((item) => item.change === change).length] as const)
      .filter(([, count]) => count > 0)
      .map(([change, count]) => `${count} ${change}`)
      .join(", ");
  const parts: string[] = [];
  if (diff.profiles.length > 0) parts.push(`profiles: ${by(diff.profiles)}`);
  if (diff.hubSettings.length > 0) parts.push(`${plural(diff.hubSettings.length, "hub setting")} changed`);
  if (diff.objects.length > 0) parts.push(`objects: ${by(diff.objects)}`);
  if (parts.length === 0) parts.push(`only the text of ${[...diff.files.changed].join(", ") || "the files"}`);
  return parts.join("; ");
}

const MAX_PATHS = 3;

function pathsGist(paths: readonly string[]): string {
  if (paths.length === 0) return "";
  const shown = paths.slice(0, MAX_PATHS).join(", ");
  return paths.length > MAX_PATHS ? `${shown}, +${paths.length - MAX_PATHS} more` : shown;
}

function filesLine(diff: RenderDiff): string | undefined {
  const parts = [
    diff.files.added.length > 0 ? `new ${diff.files.added.join(", ")}` : "",
    diff.files.removed.length > 0 ? `gone ${diff.files.removed.join(", ")}` : "",
    diff.files.changed.length > 0 ? `changed ${diff.files.changed.join(", ")}` : "",
  ].filter(Boolean);
  return parts.length > 0 ? `Files: ${parts.join("; ")}.` : undefined;
}

/** For a terminal. `against` names what the render was compared with; `hint` ends the report. */
export function renderDiffText(diff: RenderDiff, title: string, hint?: string): string {
  if (diff.equal) return `${title}: the same. Nothing changes for users.`;
  const lines = [`${title}: different (${gist(diff)}).`];
  if (diff.profiles.length > 0) {
    lines.push("", "Profiles (what users see on the spawn page and get):");
    for (const profile of diff.profiles) {
      lines.push(
        `  ${CHANGE_MARK[profile.change]} ${profile.slug} ("${profile.displayName}")${profile.change === "removed" ? ": removed" : profile.change === "added" ? ": new" : ""}`,
      );
      for (const field of profile.fields) {
        lines.push(
          profile.change === "added"
            ? `      ${field.field}: ${field.after}`
            : `      ${field.field}: ${field.before} → ${field.after}`,
        );
      }
      if (profile.otherSettings.length > 0)
        lines.push(`      other settings: ${profile.otherSettings.join(", ")}`);
    }
  }
  if (diff.hubSettings.length > 0) {
    lines.push("", "Hub settings (every user):");
    for (const setting of diff.hubSettings)
      lines.push(`  ~ ${setting.path}: ${setting.before} → ${setting.after}`);
  }
  if (diff.objects.length > 0) {
    lines.push("", "Kubernetes objects (~ changed, + added, - removed):");
    const rows = diff.objects.map((object) => [
      `  ${object.kind}`,
      CHANGE_MARK[object.change],
      object.name,
      pathsGist(object.paths),
    ]);
    lines.push(table(rows));
  }
  const files = filesLine(diff);
  if (files) lines.push("", files);
  if (hint) lines.push("", hint);
  return lines.join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export const MARKDOWN_HEADING = "What this change does for users";

/** For a pull request or a job summary, under a level-3 heading. */
export function renderDiffMarkdown(diff: RenderDiff, title: string, headingText = MARKDOWN_HEADING): string {
  const heading = `### ${headingText}`;
  if (diff.equal) return `${heading}\n\n${title}: the same. Nothing changes for users.\n`;
  const lines = [heading, "", `${title}: ${gist(diff)}.`];
  if (diff.profiles.length > 0) {
    lines.push("", "#### Profiles", "", "| | profile | what changes |", "|---|---|---|");
    for (const profile of diff.profiles) {
      const details =
        profile.change === "removed"
          ? "removed from the spawn page"
          : [
              ...profile.fields.map((field) =>
                profile.change === "added"
                  ? `${field.field}: ${cell(field.after)}`
                  : `${field.field}: ${cell(field.before)} → **${cell(field.after)}**`,
              ),
              ...(profile.otherSettings.length > 0
                ? [`other settings: ${profile.otherSettings.map(code).join(", ")}`]
                : []),
            ].join("<br>");
      lines.push(`| ${profile.change} | ${code(profile.slug)} ${cell(profile.displayName)} | ${details} |`);
    }
  }
  if (diff.hubSettings.length > 0) {
    lines.push("", "#### Hub settings (every user)", "", "| setting | before | after |", "|---|---|---|");
    for (const setting of diff.hubSettings) {
      lines.push(`| ${code(setting.path)} | ${cell(setting.before)} | ${cell(setting.after)} |`);
    }
  }
  if (diff.objects.length > 0) {
    lines.push(
      "",
      "#### Kubernetes objects",
      "",
      "| kind | added | removed | changed |",
      "|---|---|---|---|",
    );
    const kinds = [...new Set(diff.objects.map((object) => object.kind))];
    for (const kind of kinds) {
      const of = (change: Change) =>
        diff.objects
          .filter((object) => object.kind === kind && object.change === change)
          .map((object) =>
            change === "changed" && object.paths.length > 0
              ? `${code(object.name)} (${cell(pathsGist(object.paths))})`
              : code(object.name),
          )
          .join("<br>");
      lines.push(`| ${kind} | ${of("added")} | ${of("removed")} | ${of("changed")} |`);
    }
  }
  const files = filesLine(diff);
  if (files) lines.push("", files);
  return `${lines.join("\n")}\n`;
}

if (require.main === module) {
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
}

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
