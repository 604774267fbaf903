/**
 * tools/ holds only entry points (`npm run <command>` runs `node --import tsx tools/<command>.ts`):
 * nothing imports from tools/, and no tools/*.ts file exports anything. Code that another file or a
 * test needs lives in a library (cli/, config/, render/, capacity/, ...); importing an entry point
 * would run its command.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { PROJECT_ROOT } from "../helpers";

const TOOLS = "tools";
const SKIPPED = new Set(["node_modules", ".git", ".work", "dist"]);
const SCRIPT = /\.(ts|mts|cts|js|mjs|cjs)$/;

interface Source {
  /** Path below the project root, "/"-separated. */
  readonly file: string;
  readonly text: string;
}

function sources(dir = PROJECT_ROOT): Source[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : sources(full);
    if (!SCRIPT.test(entry.name)) return [];
    return [
      { file: path.relative(PROJECT_ROOT, full).split(path.sep).join("/"), text: readFileSync(full, "utf8") },
    ];
  });
}

/** Every module a source names: `import`/`export ... from`, `import "x"`, `import("x")`, `require("x")`. */
function modules(text: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gms,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map(([, module = ""]) => module));
}

/** The relative modules of `source` that resolve into tools/ (as paths below the project root). */
function toolsImports(source: Source): string[] {
  return modules(source.text)
    .filter((module) => module.startsWith("."))
    .map((module) => path.posix.normalize(path.posix.join(path.posix.dirname(source.file), module)))
    .filter((target) => target === TOOLS || target.startsWith(`${TOOLS}/`));
}

describe("tools/ holds only entry points", () => {
  const all = sources();

  test("the check sees the project's imports, and would see one from tools/", () => {
    const files = new Set(all.map((source) => source.file));
    for (const file of ["sim/run.ts", "tools/render.ts", "test/helpers.ts"]) assert.ok(files.has(file), file);
    assert.ok(![...files].some((file) => file.startsWith("node_modules/")), "node_modules/ is skipped");
    const sample: Source = {
      file: "sim/example.ts",
      text: [
        'import { fail } from "../cli/command";',
        "import {",
        "  table,",
        '} from "../tools/summary";',
        'export { x } from "../tools/x";',
        'import "../tools/side-effect";',
        'const later = await import("../tools/later");',
        'const old = require("../tools/old");',
      ].join("\n"),
    };
    assert.deepEqual(toolsImports(sample), [
      "tools/summary",
      "tools/x",
      "tools/side-effect",
      "tools/later",
      "tools/old",
    ]);
  });

  test("no file imports from tools/ (outside it a library; inside it an entry point would run)", () => {
    const arrows = all.flatMap((source) =>
      toolsImports(source).map((target) => `${source.file} -> ${target}`),
    );
    assert.deepEqual(arrows, []);
  });

  test("no tools/*.ts file exports anything", () => {
    const entryPoints = all.filter(
      (source) => source.file.startsWith(`${TOOLS}/`) && source.file.endsWith(".ts"),
    );
    assert.ok(entryPoints.length >= 8, `found ${entryPoints.length} entry points`);
    const exporting = entryPoints.flatMap((source) =>
      source.text
        .split("\n")
        .map((line, index) => ({ line, number: index + 1 }))
        .filter(({ line }) => /^\s*export\b|\bmodule\.exports\b|^\s*exports\./.test(line))
        .map(({ line, number }) => `${source.file}:${number}: ${line.trim()}`),
    );
    assert.deepEqual(exporting, []);
  });
});
