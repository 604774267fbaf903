/**
 * `npm run capacity -- --diff REF`: users of each profile at once at a git ref and in the working
 * tree, from the same planner on both (the ref's stack file and profiles read with the current code).
 */
import path from "node:path";
import { displayPath } from "../cli/command";
import { loadConfigAtRef, resolveRef } from "../cli/git-ref";
import { table } from "../cli/summary";
import { formatIssue } from "../config/issues";
import { loadPlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema/platform";
import { collectPlatform } from "../render/collect";
import { renderFiles } from "../render/manifests";
import {
  type CapacityDiffRow,
  type CapacityPoint,
  capacityChanged,
  describeCapacityRow,
  diffCapacities,
} from "./diff";
import { namespaceOverhead } from "./overhead";
import { type ProfileCapacity, profileCapacities } from "./plan";

/** Users at once per profile, counting what the platform's own pods take from the quota (as `npm run capacity`). */
export async function planCapacities(config: PlatformConfig): Promise<ProfileCapacity[]> {
  const objects = renderFiles(await collectPlatform(config)).flatMap((file) => file.objects);
  return profileCapacities(config, namespaceOverhead(config, objects));
}

export interface CapacityDiffReport {
  readonly stack: string;
  readonly ref: string;
  readonly commit: string;
  /** Every profile of either side; empty when the config at the ref does not validate. */
  readonly rows: readonly CapacityDiffRow[];
  /** The working tree's figures, also when there is nothing to compare them with. */
  readonly current: readonly (CapacityPoint & { readonly slug: string })[];
  /** Why the ref's config could not be planned (FILE:LINE:COL: FIELD: message, FILE as REF:path). */
  readonly refProblems: readonly string[];
}

export interface CapacityDiffOptions {
  /** The folder holding Pulumi.<stack>.yaml, inside a git work tree. */
  readonly projectRoot: string;
  readonly stack: string;
  readonly ref: string;
  /** A profiles folder other than the stack's own, read at the ref too. */
  readonly profilesDir?: string;
}

/** The working tree's config did not validate: the command says so and compares nothing. */
export class CurrentConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
  }
}

/** Throws RefError for an unknown ref and CurrentConfigError for a working tree that does not validate. */
export async function capacityDiff(options: CapacityDiffOptions): Promise<CapacityDiffReport> {
  const resolved = resolveRef(options.projectRoot, options.ref);
  const loaded = loadPlatformConfig({
    stackFile: path.join(options.projectRoot, `Pulumi.${options.stack}.yaml`),
    ...(options.profilesDir ? { profilesDir: path.resolve(options.profilesDir) } : {}),
  });
  const errors = loaded.issues.filter((issue) => issue.severity === "error");
  if (!loaded.config || errors.length > 0) {
    throw new CurrentConfigError(
      errors.map((issue) => formatIssue({ ...issue, file: displayPath(issue.file) })),
    );
  }
  const atRef = loadConfigAtRef(resolved, options.projectRoot, options.stack, options.profilesDir);
  const after = await planCapacities(loaded.config);
  const before = atRef.config ? await planCapacities(atRef.config) : undefined;
  return {
    stack: options.stack,
    ref: options.ref,
    commit: resolved.commit,
    rows: before ? diffCapacities(before, after) : [],
    current: after.map((row) => ({ slug: row.slug, users: row.users, limit: row.limit })),
    refProblems: atRef.problems,
  };
}

const MARKERS: Record<CapacityDiffRow["change"], string> = {
  changed: "~",
  added: "+",
  removed: "-",
  unchanged: " ",
};

function counts(rows: readonly CapacityDiffRow[]): string {
  const parts = (["changed", "added", "removed"] as const)
    .map((change) => [change, rows.filter((row) => row.change === change).length] as const)
    .filter(([, count]) => count > 0)
    .map(([change, count]) => `${count} ${change}`);
  return parts.length === 0 ? "no change" : parts.join(", ");
}

function usersCell(row: CapacityDiffRow): string {
  if (row.change === "added") return `new: ${row.after?.users}`;
  if (row.change === "removed") return `removed (was ${row.before?.users})`;
  return row.before?.users === row.after?.users
    ? `${row.after?.users}`
    : `${row.before?.users} → ${row.after?.users}`;
}

function limitCell(row: CapacityDiffRow): string {
  const before = row.before?.limit;
  const after = row.after?.limit;
  if (before === undefined || after === undefined || before === after) return after ?? before ?? "";
  return `${before} → ${after}`;
}

function short(commit: string): string {
  return commit.slice(0, 7);
}

/** For a terminal: a marker column (~ + -), the change in users at once and in the limiting resource. */
export function capacityDiffText(report: CapacityDiffReport): string {
  const title = `Users of one profile at once, stack "${report.stack}": ${report.ref} (${short(report.commit)}) → working tree`;
  if (report.refProblems.length > 0) {
    return [
      title,
      `The config at ${report.ref} does not validate (read with the current code), so there is nothing to compare with:`,
      ...report.refProblems.map((problem) => `  ${problem}`),
      "",
      "Working tree:",
      table([
        ["profile", "users at once", "limited by"],
        ...report.current.map((row) => [row.slug, String(row.users), row.limit]),
      ]),
    ].join("\n");
  }
  const lines = [
    title,
    table([
      ["", "profile", "users at once", "limited by"],
      ...report.rows.map((row) => [MARKERS[row.change], row.slug, usersCell(row), limitCell(row)]),
    ]),
  ];
  const changes = report.rows.filter((row) => row.change !== "unchanged");
  lines.push(
    changes.length === 0
      ? `No change: every profile fits as many users as at ${report.ref}, limited by the same resource.`
      : `${counts(report.rows)} (~ changed, + added, - removed):\n${changes.map((row) => `  ${describeCapacityRow(row)}`).join("\n")}`,
  );
  return lines.join("\n");
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

/** For a pull request or a job summary: the same table, changes in bold. */
export function capacityDiffMarkdown(report: CapacityDiffReport): string {
  const heading = "### Capacity: users of one profile at once";
  const where = `\`${cell(report.ref)}\` (${short(report.commit)}) → this change, stack \`${report.stack}\`, each profile alone (\`npm run capacity -- --diff ${cell(report.ref)}${report.stack === "prod" ? "" : ` --stack ${report.stack}`}\`).`;
  if (report.refProblems.length > 0) {
    return [
      heading,
      "",
      where,
      "",
      `The config at \`${cell(report.ref)}\` does not validate (read with the current code), so there is nothing to compare with:`,
      "",
      "```",
      ...report.refProblems,
      "```",
      "",
      "| profile | users at once | limited by |",
      "|---|---:|---|",
      ...report.current.map((row) => `| \`${row.slug}\` | ${row.users} | ${cell(row.limit)} |`),
      "",
    ].join("\n");
  }
  const summary = capacityChanged(report.rows)
    ? `${counts(report.rows)}.`
    : "No change: every profile fits as many users as before, limited by the same resource.";
  const rows = report.rows.map((row) => {
    const changed = row.change !== "unchanged";
    const bold = (text: string) => (changed && text ? `**${text}**` : text);
    return `| ${changed ? row.change : ""} | \`${row.slug}\` | ${bold(usersCell(row))} | ${cell(limitCell(row))} |`;
  });
  return [
    heading,
    "",
    `${where} ${summary}`,
    "",
    "| | profile | users at once | limited by |",
    "|---|---|---:|---|",
    ...rows,
    "",
  ].join("\n");
}

/** For scripts: the report as it is, plus whether anything changed. */
export function capacityDiffJson(report: CapacityDiffReport): string {
  return `${JSON.stringify({ ...report, changed: capacityChanged(report.rows) }, null, 2)}\n`;
}
