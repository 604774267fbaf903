/**
 * index.ts as Pulumi runs it: ts-node registered the way @pulumi/pulumi's run.js does, with
 * type-checking on, against mocks. Proves the program loads under Pulumi's own runtime as it is.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { profilesDirOf } from "../config/load";
import { scanProfilesFolder } from "../config/read-files";
import { PROD_STACK, PROJECT_ROOT } from "./helpers";

interface ProgramRun {
  readonly outputs?: Record<string, unknown>;
  readonly resources?: { type: string; name: string }[];
  readonly runError?: string;
}

function runLikePulumi(stack: string, mode: "preview" | "up", env: Record<string, string> = {}): ProgramRun {
  const script = path.join(PROJECT_ROOT, "test", "support", "run-like-pulumi.js");
  const out = execFileSync(process.execPath, [script, stack, mode], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out) as ProgramRun;
}

/** The slug of each profile file in the folder the stack names, read without the config loader. */
function slugsInProfileFiles(stackFile: string): string[] {
  const folder = scanProfilesFolder(profilesDirOf(stackFile, readFileSync(stackFile, "utf8")));
  return folder.files.map((file) => (parse(readFileSync(file, "utf8")) as { slug: string }).slug);
}

describe("the Pulumi program", () => {
  test("previews prod under Pulumi's ts-node with type-checking, exporting hub URL, namespace and profiles", () => {
    const run = runLikePulumi("prod", "preview");
    assert.equal(run.runError, undefined);
    assert.equal(run.outputs?.hubUrl, "https://jupyterhub.cps.unileoben.ac.at");
    assert.equal(run.outputs?.namespace, "jupyterhub");
    assert.deepEqual(
      [...((run.outputs?.profileSlugs as string[] | undefined) ?? [])].sort(),
      slugsInProfileFiles(PROD_STACK).sort(),
    );
  });

  test("`pulumi up` on prod stops before any resource, naming the NFS server, the backup repository and the OAuth secret", () => {
    const run = runLikePulumi("prod", "up", { PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
    assert.match(run.runError ?? "", /has 4 problem\(s\); nothing was deployed/);
    assert.match(run.runError ?? "", /backup\.repository\.url: the backup repository is required/);
    assert.match(
      run.runError ?? "",
      /backup\.repository\.addresses: the backup jobs may reach only the repository/,
    );
    assert.match(
      run.runError ?? "",
      /Pulumi\.prod\.yaml:\d+:\d+: storage\.nfs\.server: the NFS server address is required/,
    );
    assert.match(run.runError ?? "", /gpu-jupyterhub:oauthClientSecret: the OAuth client secret is not set/);
    assert.deepEqual(run.resources ?? [], []);
  });
});
