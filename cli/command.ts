/** What every command shares: finding the stack, loading the config, reporting problems without stack traces. */
import path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { formatIssue } from "../config/issues";
import { type LoadResult, loadPlatformConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema/platform";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

export function stackFilePath(stack: string): string {
  return path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
}

/** Relative to the working directory when inside it, so editors can open file:line links. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") ? file : relative;
}

export function parseCommandLine<T extends ParseArgsConfig["options"]>(usage: string, options: T) {
  try {
    return parseArgs({
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: false,
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${usage}`);
  }
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export interface Loaded {
  readonly config: PlatformConfig;
  readonly result: LoadResult;
}

/** Loads and validates; prints every problem as FILE:LINE:COL: FIELD: message and exits 1 on errors. */
export function loadOrExit(stack: string, profilesDir?: string): Loaded {
  const result = loadPlatformConfig({
    stackFile: stackFilePath(stack),
    ...(profilesDir ? { profilesDir: path.resolve(profilesDir) } : {}),
  });
  const errors = result.issues.filter((issue) => issue.severity === "error");
  if (errors.length > 0 || !result.config) {
    for (const issue of errors)
      process.stderr.write(`${formatIssue({ ...issue, file: displayPath(issue.file) })}\n`);
    fail(`${errors.length} problem(s) in the config of stack "${stack}"; nothing was changed.`);
  }
  return { config: result.config, result };
}

/** Wraps a command's main so that only a bug, never a user mistake, shows a stack trace. */
export function runCommand(main: () => void | Promise<void>): void {
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      process.stderr.write(`internal error (a bug, please report it): ${(error as Error)?.stack ?? error}\n`);
      process.exit(70);
    });
}
