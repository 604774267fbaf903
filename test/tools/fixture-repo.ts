/**
 * A throw-away git repository holding the test-owned stack (test/fixtures/base: Pulumi.base.yaml and
 * its profiles/), committed once, for the commands that compare the working tree with a git ref.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../helpers";

export const FIXTURE_STACK = "base";
const FIXTURE = path.join(PROJECT_ROOT, "test", "fixtures", "base");

/** Git with a fixed identity and no user or system configuration, so any machine gives the same result. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: "test",
      GIT_AUTHOR_EMAIL: "test@example.org",
      GIT_COMMITTER_NAME: "test",
      GIT_COMMITTER_EMAIL: "test@example.org",
    },
  });
}

export interface FixtureRepo {
  readonly root: string;
  /** Rewrites a file of the working tree (relative to the root) through `edit`; throws if nothing changed. */
  edit(file: string, edit: (text: string) => string): void;
  write(file: string, text: string): void;
  remove(file: string): void;
  /** Commits everything in the working tree; returns the commit. */
  commit(message: string): string;
  dispose(): void;
}

export function fixtureRepo(): FixtureRepo {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), "gpu-jupyterhub-repo-")));
  cpSync(FIXTURE, root, { recursive: true });
  git(root, "init", "--quiet", "--initial-branch=main");
  const repo: FixtureRepo = {
    root,
    edit(file, edit) {
      const target = path.join(root, file);
      const before = readFileSync(target, "utf8");
      const after = edit(before);
      if (after === before) throw new Error(`the edit changed nothing in ${file}`);
      writeFileSync(target, after);
    },
    write(file, text) {
      writeFileSync(path.join(root, file), text);
    },
    remove(file) {
      rmSync(path.join(root, file));
    },
    commit(message) {
      git(root, "add", "--all");
      git(root, "commit", "--quiet", "--message", message);
      return git(root, "rev-parse", "HEAD").trim();
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  repo.commit("the fixture stack");
  return repo;
}
