/**
 * A render diff (`diffRenders`) told to people: a one-line gist, a report for a terminal and one in
 * Markdown for a pull request or a job summary (`npm run golden:diff`).
 */
import { table } from "../cli/summary";
import type { Change, RenderDiff } from "./diff";

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
