/**
 * The backup section: its defaults, the repository needed before a deploy (render and preview work
 * without it), its addresses required once it is set (the jobs reach nothing else), schedules in
 * cron's form, and a namespace of its own.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { loadPlatformConfigFromText } from "../../config/load";
import { RULES } from "../../config/rules";
import { backupSchema } from "../../config/schema/backup";
import { BASE_PROFILES, BASE_STACK, editableBaseConfig } from "./base";

/** The base stack with backups on, credentials named, and these secure keys added. */
function loadWithSecrets(secretKeys: string[]) {
  const text = [
    readFileSync(BASE_STACK, "utf8").trimEnd(),
    "  gpu-jupyterhub:backup:",
    "    enabled: true",
    "    repository:",
    "      url: s3:https://s3.example.org/jupyterhub",
    "      addresses: [10.21.0.60/32]",
    "      credentials: {AWS_ACCESS_KEY_ID: backupS3KeyId, AWS_SECRET_ACCESS_KEY: backupS3Key}",
    "      passwordSecretKey: backupResticPassword",
    ...secretKeys.flatMap((key) => [`  gpu-jupyterhub:${key}:`, "    secure: v1:AAAA"]),
    "",
  ].join("\n");
  const profiles = readdirSync(BASE_PROFILES).map((name) => ({
    file: path.join(BASE_PROFILES, name),
    text: readFileSync(path.join(BASE_PROFILES, name), "utf8"),
  }));
  return loadPlatformConfigFromText({ file: BASE_STACK, text }, profiles, { profilesDir: BASE_PROFILES });
}

describe("the backup section", () => {
  test("off by default; on, restic's pinned image, nightly homes and database, weekly datasets, 7/5/12 kept", () => {
    const defaults = backupSchema.parse(undefined);
    assert.equal(defaults.enabled, false);
    assert.equal(defaults.image, "docker.io/restic/restic:0.19.1");
    assert.equal(defaults.namespace, "jupyterhub-backup");
    assert.deepEqual(defaults.retention, { daily: 7, weekly: 5, monthly: 12 });
    assert.deepEqual(
      [defaults.home.schedule, defaults.database.schedule, defaults.datasets.schedule],
      ["15 2 * * *", "0 2 * * *", "45 3 * * 0"],
    );
  });

  test("schedules are cron's five fields or a macro; credentials name restic's variables", () => {
    assert.equal(backupSchema.safeParse({ home: { schedule: "every night" } }).success, false);
    assert.equal(backupSchema.safeParse({ home: { schedule: "@daily" } }).success, true);
    assert.equal(backupSchema.safeParse({ repository: { credentials: { "aws-key": "k" } } }).success, false);
    assert.equal(backupSchema.safeParse({ image: "docker.io/restic/restic:latest" }).success, false);
  });

  test("on, the repository and its addresses are needed before deploy; set, the addresses are an error", () => {
    const config = editableBaseConfig();
    config.backup.enabled = true;
    const issues = () => RULES.backupRepositoryIsSet?.(config) ?? [];
    assert.deepEqual(
      issues().map((issue) => [issue.path.join("."), issue.severity]),
      [
        ["backup.repository.url", "deploy"],
        ["backup.repository.addresses", "deploy"],
      ],
    );
    config.backup.repository.url = "rest:https://backup.example.org:8000/jupyterhub";
    assert.deepEqual(
      issues().map((issue) => [issue.path.join("."), issue.severity]),
      [["backup.repository.addresses", "error"]],
    );
    config.backup.repository.addresses = ["10.21.0.60/32"];
    assert.deepEqual(issues(), []);
    config.backup.enabled = false;
    config.backup.repository.addresses = [];
    assert.deepEqual(issues(), []);
  });

  test("its namespace is its own", () => {
    const config = editableBaseConfig();
    config.backup.enabled = true;
    config.backup.namespace = config.cluster.namespace;
    assert.deepEqual(
      RULES.namespacesAreDistinct?.(config).map((issue) => issue.path),
      [["backup", "namespace"]],
    );
  });

  test("the secrets the section names are accepted as secure keys; one it does not name is refused where it is", () => {
    const named = loadWithSecrets(["backupS3KeyId", "backupS3Key", "backupResticPassword"]);
    assert.deepEqual(
      named.issues.filter((issue) => issue.severity === "error"),
      [],
    );
    assert.ok(named.config);
    const typo = loadWithSecrets(["backupS3KeyId", "backupS3Kee"]);
    assert.equal(typo.config, undefined);
    assert.deepEqual(
      typo.issues.filter((issue) => issue.severity === "error").map((issue) => issue.field),
      ["config.gpu-jupyterhub:backupS3Kee"],
    );
  });
});
