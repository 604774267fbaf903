/** The loader: what course staff and platform engineers see when a file is missing, wrong or fine. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { loadPlatformConfig, loadPlatformConfigFromText } from "../../config/load";
import { PROD_STACK, PROJECT_ROOT, prodConfig } from "../helpers";
import { FIXTURES } from "./base";

describe("loading the platform config", () => {
  test("the prod stack describes the seed's cluster", () => {
    const config = prodConfig();
    assert.equal(config.ingress.host, "jupyterhub.cps.unileoben.ac.at");
    assert.equal(config.ingress.loadBalancerIP, "10.21.0.50");
    assert.equal(config.auth.oauth.clientId, "vUhzKqEF0UxPtZNM8aRbA1ncaehhIAIA2x9r83FI");
    assert.deepEqual(config.auth.groups.admin, ["jupyter_admin"]);
    // The seed's nodes and profiles are there; more may be added without breaking this test.
    const nodes = new Map(config.nodes.map((node) => [node.name, node]));
    for (const name of ["k3s-wk-gpu1", "k3s-wk-gpu2", "k3s-wk-gpu3", "k3s-wk-gpu4"]) {
      assert.equal(nodes.get(name)?.gpu?.count, 2, name);
    }
    assert.ok(nodes.get("k3s-wk-gpu1")?.mig);
    assert.deepEqual([config.culler.timeout, config.culler.every, config.culler.maxAge], [3600, 600, 28800]);
    const slugs = config.profiles.map((profile) => profile.slug);
    for (const slug of [
      "cpu-default",
      "gpu-pytorch-single",
      "gpu-tensorflow-single",
      "gpu-pytorch-dual",
      "gpu-tensorflow-dual",
      "mig-1g-5gb",
      "mig-2g-10gb",
      "custom-image",
    ]) {
      assert.ok(slugs.includes(slug), slug);
    }
  });

  test("defaults come from the schema", () => {
    const config = prodConfig();
    assert.equal(config.storage.storageClass.name, "nfs-client");
    assert.equal(config.storage.storageClass.reclaimPolicy, "Retain");
    assert.equal(config.userScheduler.schedulerName, "jupyterhub-user-scheduler");
    assert.deepEqual(config.auth.oauth.scopes, ["openid", "profile", "email", "groups"]);
  });

  test("the config object is frozen", () => {
    assert.throws(() => {
      (prodConfig().cluster as { namespace: string }).namespace = "other";
    }, TypeError);
  });

  test("a missing stack file is one clear problem", () => {
    const result = loadPlatformConfig({ stackFile: path.join(PROJECT_ROOT, "Pulumi.nope.yaml") });
    assert.equal(result.issues.length, 1);
    assert.match(result.issues[0]?.message ?? "", /stack file not found; pass --stack NAME/);
  });

  test("secret keys are recognised as secure values and never read", () => {
    const stack = {
      file: "Pulumi.t.yaml",
      text: "config:\n  gpu-jupyterhub:oauthClientSecret:\n    secure: AAABAxyz\n",
    };
    const result = loadPlatformConfigFromText(stack, []);
    assert.ok(result.secretsSet.has("oauthClientSecret"));
    assert.ok(!JSON.stringify(result.issues).includes("AAABAxyz"));
  });

  test("text that is not UTF-8 is refused at the line and column of the first bad byte", () => {
    const stack = {
      file: "Pulumi.t.yaml",
      text: readFileSync(path.join(FIXTURES, "base", "Pulumi.base.yaml")),
    };
    const utf16 = Buffer.from("\uFEFFslug: x\n", "utf16le");
    const latin1 = Buffer.from("slug: x\ndisplayName: Caf\xe9\n", "latin1");
    const result = loadPlatformConfigFromText(stack, [
      { file: "a.yaml", text: utf16 },
      { file: "b.yaml", text: latin1 },
    ]);
    assert.deepEqual(
      result.issues.map(
        (issue) => `${issue.file}:${issue.position?.line}:${issue.position?.col}: ${issue.message}`,
      ),
      [
        "a.yaml:1:1: is UTF-16 text; save it as UTF-8 (in the editor's encoding menu)",
        "b.yaml:2:17: is not UTF-8 text: byte 0xE9 here is not UTF-8 (saved as Latin-1 or Windows-1252?); save the file as UTF-8",
      ],
    );
  });

  test("the prod stack loads well inside the benchmark budget here too", () => {
    const result = loadPlatformConfig({ stackFile: PROD_STACK });
    assert.ok(result.config);
  });
});

describe("npm run validate", () => {
  const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
  const validate = path.join(PROJECT_ROOT, "tools", "validate.ts");

  test("prints the summary and exits 0 for prod", () => {
    const out = execFileSync(tsx, [validate], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.match(out, /Profiles \(\d+, \d+ with GPUs/);
    assert.match(out, /k3s-wk-gpu1 .*MIG cps-1g5x8-2g10x3: 8× 1g.5gb, 3× 2g.10gb/);
    assert.match(out, /storage.nfs.server: the NFS server address is required before `pulumi up`/);
    assert.match(out, /The config is valid\./);
  });

  test("exits 1 with FILE:LINE:COL: FIELD: message lines and no stack trace", () => {
    const profiles = path.join(PROJECT_ROOT, "test", "fixtures", "profiles");
    const run = spawnSync(tsx, [validate, "--profiles", profiles], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^test\/fixtures\/profiles\/bad-memory-units\.yaml:8:10: memory\.limit: "64 GB" is not/m,
    );
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
    assert.equal(run.stdout, "");
  });

  test("an alias bomb, bad bytes and a second document are located problems, not a crash", () => {
    const profiles = path.join(PROJECT_ROOT, "test", "fixtures", "profiles");
    const run = spawnSync(tsx, [validate, "--profiles", profiles], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /^test\/fixtures\/profiles\/alias-bomb\.yaml:14:\d+: \(syntax\): YAML aliases expand/m,
    );
    assert.match(run.stderr, /^test\/fixtures\/profiles\/not-utf8\.yaml:3:\d+: \(file\): is not UTF-8 text/m);
    assert.match(
      run.stderr,
      /^test\/fixtures\/profiles\/two-documents\.yaml:8:1: \(syntax\): a second YAML document/m,
    );
    assert.doesNotMatch(run.stderr, /internal error/);
  });

  test("skipped files are listed as notes, and the config stays valid", () => {
    const profiles = path.join(PROJECT_ROOT, "test", "fixtures", "folders", "editor-files", "profiles");
    const out = execFileSync(tsx, [validate, "--profiles", profiles], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
    });
    assert.match(
      out,
      /Skipped \(not profiles\):\n {2}test\/fixtures\/folders\/editor-files\/profiles\/#10-cpu\.yaml#: \(file\): skipped:/,
    );
    assert.match(out, /\.DS_Store: \(file\): skipped: a hidden entry/);
    assert.match(out, /The config is valid\./);
  });

  test("a missing stack is an error, not a crash", () => {
    const run = spawnSync(tsx, [validate, "--stack", "nope"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Pulumi\.nope\.yaml: \(file\): stack file not found/);
  });

  test("--strict refuses a stack that is not ready to deploy", () => {
    const run = spawnSync(tsx, [validate, "--strict"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /not ready to deploy/);
  });

  test("an unknown option is a usage error", () => {
    const run = spawnSync(tsx, [validate, "--stak", "prod"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /usage: npm run validate/);
  });
});
