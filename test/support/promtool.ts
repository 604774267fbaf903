/**
 * The real promtool and prometheus v3.5.0 (the bundled Prometheus's version), built from the Go
 * module proxy by tools/ensure-promtool.sh (pinned by sim/tools/promtool/go.{mod,sum}), on files
 * written to a temporary folder: `check config`, `check rules`, `test rules`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { PROJECT_ROOT } from "../helpers";

export interface ToolRun {
  readonly ok: boolean;
  readonly output: string;
}

const built: Partial<Record<"promtool" | "prometheus", string>> = {};

/** The binary's path, built first if it is missing (about 10 minutes cold), once per process. */
export function ensureBuilt(name: "promtool" | "prometheus" = "promtool"): string {
  const found = built[name];
  if (found) return found;
  const args = [path.join("tools", "ensure-promtool.sh"), ...(name === "prometheus" ? ["--prometheus"] : [])];
  const result = spawnSync("bash", args, { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 20 * 60_000 });
  assert.equal(result.status, 0, `tools/ensure-promtool.sh failed:\n${result.stdout}${result.stderr}`);
  const binary = result.stdout.trim().split("\n").at(-1) ?? "";
  built[name] = binary;
  return binary;
}

/** A fresh folder with the given files (YAML-stringified unless already text). */
export function folderWith(files: Readonly<Record<string, unknown>>): string {
  const folder = mkdtempSync(path.join(tmpdir(), "promtool-"));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(folder, name), typeof content === "string" ? content : stringify(content));
  }
  return folder;
}

export function promtool(folder: string, ...args: string[]): ToolRun {
  const result = spawnSync(ensureBuilt("promtool"), args, {
    cwd: folder,
    encoding: "utf8",
    timeout: 120_000,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  return { ok: result.status === 0, output: result.error ? `${result.error.message}\n${output}` : output };
}
