/**
 * The shape of components/, so the next services copy good examples: cluster services never import
 * the JupyterHub layer, no component reads the disk or the Pulumi config adapter, files and
 * constructors stay short (constructors assemble pure builders), each component's type token
 * names its class and its folder, and what a component registers as outputs is what it exposes.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { PROJECT_ROOT } from "../helpers";

const COMPONENTS = path.join(PROJECT_ROOT, "components");
const MAX_FILE_LINES = 300;
const MAX_CONSTRUCTOR_LINES = 60;

interface Source {
  /** Path below components/, "/"-separated. */
  readonly file: string;
  readonly text: string;
}

function sources(dir = COMPONENTS): Source[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    if (!entry.name.endsWith(".ts")) return [];
    return [
      { file: path.relative(COMPONENTS, full).split(path.sep).join("/"), text: readFileSync(full, "utf8") },
    ];
  });
}

/** Imported modules, relative ones resolved to paths below the project root. */
function imports(source: Source): string[] {
  return [...source.text.matchAll(/^(?:import|export)[^;]*?from\s+"([^"]+)"/gms)].map(([, module = ""]) =>
    module.startsWith(".")
      ? path.posix.normalize(path.posix.join("components", path.posix.dirname(source.file), module))
      : module,
  );
}

interface ComponentClass {
  readonly file: string;
  readonly name: string;
  readonly token: string;
  readonly body: string;
  readonly constructorLines: number;
}

/** Each ComponentResource: its class name, type token, constructor length (signature to closing brace). */
function componentClasses(): ComponentClass[] {
  return sources().flatMap((source) =>
    [...source.text.matchAll(/export class (\w+) extends pulumi\.ComponentResource \{/g)].map((match) => {
      const body = source.text.slice(match.index);
      const token = /super\("([^"]+)"/.exec(body)?.[1] ?? "";
      const lines = body.slice(body.indexOf("constructor(")).split("\n");
      let depth = 0;
      let seen = false;
      const end = lines.findIndex((line) => {
        for (const char of line) {
          if (char === "{") [depth, seen] = [depth + 1, true];
          if (char === "}") depth -= 1;
        }
        return seen && depth === 0;
      });
      return { file: source.file, name: match[1] ?? "", token, body, constructorLines: end + 1 };
    }),
  );
}

describe("the layout of components/", () => {
  test("cluster services never import the JupyterHub layer", () => {
    for (const source of sources().filter((candidate) => candidate.file.startsWith("cluster/"))) {
      const arrows = imports(source).filter((module) => module.startsWith("components/jupyterhub"));
      assert.deepEqual(arrows, [], `components/${source.file}`);
    }
  });

  test("no component reads the disk or imports the Pulumi config adapter", () => {
    for (const source of sources()) {
      const forbidden = imports(source).filter((module) =>
        ["node:fs", "fs", "node:fs/promises", "config/pulumi-stack"].includes(module),
      );
      assert.deepEqual(forbidden, [], `components/${source.file}`);
    }
  });

  test(`files stay under ${MAX_FILE_LINES} lines and constructors under ${MAX_CONSTRUCTOR_LINES}`, () => {
    for (const source of sources()) {
      const lines = source.text.split("\n").length - 1;
      assert.ok(lines <= MAX_FILE_LINES, `components/${source.file} has ${lines} lines`);
    }
    const classes = componentClasses();
    assert.ok(classes.length >= 12, "every component is found");
    for (const component of classes) {
      assert.ok(
        component.constructorLines > 3 && component.constructorLines <= MAX_CONSTRUCTOR_LINES,
        `${component.name}'s constructor has ${component.constructorLines} lines`,
      );
    }
  });

  test("a component's type token names its class, and its module its folder", () => {
    for (const component of componentClasses()) {
      const [, module, type] = component.token.split(":");
      assert.equal(type, component.name, `${component.file}: ${component.token}`);
      const folder = component.file.includes("/") ? component.file.split("/")[0] : "index";
      assert.equal(module, folder, `${component.file}: ${component.token}`);
    }
  });

  test("what a component registers as outputs is what it exposes", () => {
    for (const component of componentClasses()) {
      const exposed = [...component.body.matchAll(/^ {2}readonly (\w+)\??: pulumi\.Output</gm)].map(
        ([, field]) => field,
      );
      const registered = /this\.registerOutputs\((\{[\s\S]*?\})\);/.exec(component.body)?.[1] ?? "";
      const keys = [...registered.matchAll(/(\w+): this\.\1\b/g)].map(([, key]) => key);
      assert.deepEqual(keys.sort(), exposed.sort(), component.name);
    }
  });
});
