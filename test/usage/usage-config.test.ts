/**
 * The usage section: prices per resource become each profile's CU/h, budgets name known groups
 * (an unknown one is an error at its file:line), and the hub settings carry what the hub enforces.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import { profileComputeUnitsPerHour } from "../../config/compute-units";
import { loadPlatformConfig } from "../../config/load";
import { BASE_PROFILES, BASE_STACK, baseConfig } from "../config/base";

const USAGE = `  gpu-jupyterhub:usage:
    enabled: true
    budgets:
      cps-students: 200
      cpsHPCaccess: 400
    userBudgets:
      alice: 50
`;

function stackWith(section: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "usage-config-"));
  cpSync(BASE_PROFILES, path.join(dir, "profiles"), { recursive: true });
  const stackFile = path.join(dir, "Pulumi.base.yaml");
  writeFileSync(stackFile, `${readFileSync(BASE_STACK, "utf8").trimEnd()}\n${section}`);
  return loadPlatformConfig({ stackFile });
}

test("by default usage is off, prices are the seed's and the hub settings have no usage block", () => {
  const config = baseConfig();
  assert.equal(config.usage.enabled, false);
  assert.deepEqual(config.usage.prices.migSlices["1g.5gb"], 1);
  assert.equal(config.usage.prices.fullGpu, 8);
  assert.equal(config.usage.prices.cpuOnly, 0.1);
  assert.equal(config.usage.timeZone, "Europe/Vienna");
  assert.equal(config.usage.minimumHours, 1);
  assert.equal(config.usage.grace.cpuProfiles, false);
  assert.equal(hubSettings(config).usage, undefined);
});

test("a profile's CU/h is derived from its resources unless it sets computeUnitsPerHour", () => {
  const prices = baseConfig().usage.prices;
  const profile = baseConfig().profiles[0];
  if (!profile) throw new Error("the base config has profiles");
  const bare = { ...profile, computeUnitsPerHour: undefined, customImage: undefined };
  assert.equal(profileComputeUnitsPerHour({ ...bare, gpu: undefined }, prices), 0.1);
  assert.equal(profileComputeUnitsPerHour({ ...bare, gpu: { migSlice: "1g.5gb" } }, prices), 1);
  assert.equal(profileComputeUnitsPerHour({ ...bare, gpu: { migSlice: "2g.10gb" } }, prices), 2);
  assert.equal(profileComputeUnitsPerHour({ ...bare, gpu: { count: 2 } }, prices), 16);
  assert.equal(
    profileComputeUnitsPerHour({ ...bare, gpu: { count: 2 }, computeUnitsPerHour: 12 }, prices),
    12,
  );
});

test("a budget for an unknown group is an error at its line in the stack file, with a did-you-mean", () => {
  const result = stackWith(USAGE);
  assert.equal(result.config, undefined);
  const errors = result.issues.filter((issue) => issue.severity === "error");
  assert.equal(errors.length, 1, JSON.stringify(result.issues));
  const [issue] = errors;
  assert.ok(issue);
  assert.equal(path.basename(issue.file), "Pulumi.base.yaml");
  const lines = readFileSync(issue.file, "utf8").split("\n");
  assert.match(lines[(issue.position?.line ?? 0) - 1] ?? "", /cpsHPCaccess: 400/);
  assert.match(issue.message, /unknown group "cpsHPCaccess"; did you mean "cpsHPCAccess"\?/);
});

test("with usage on, the hub settings carry budgets, time zone, minimum and grace; profiles their CU/h", () => {
  const result = stackWith(USAGE.replace("cpsHPCaccess", "cpsHPCAccess"));
  assert.ok(result.config, JSON.stringify(result.issues));
  const settings = hubSettings(result.config);
  assert.deepEqual(settings.usage, {
    time_zone: "Europe/Vienna",
    minimum_hours: 1,
    warn_below: 10,
    price_per_unit: 0.5,
    currency: "EUR",
    full_gpu_per_hour: 8,
    group_budgets: { "cps-students": 200, cpsHPCAccess: 400 },
    user_budgets: { alice: 50 },
    grace_minutes: 30,
    grace_cpu_profiles: false,
  });
  for (const profile of settings.profiles) {
    assert.ok(profile.compute_units_per_hour >= 0, profile.slug);
  }
});

test("an unpriced MIG slice is an error at the profile's migSlice when usage is on", () => {
  const priced = USAGE.replace("cpsHPCaccess", "cpsHPCAccess");
  const result = stackWith(`${priced}    prices:\n      migSlices: { 2g.10gb: 2 }\n`);
  assert.equal(result.config, undefined);
  const messages = result.issues.map(
    (issue) => `${path.basename(issue.file)}: ${issue.field}: ${issue.message}`,
  );
  assert.deepEqual(messages, [
    '40-mig-1g.yaml: gpu.migSlice: MIG slice "1g.5gb" has no price: add it to the stack\'s usage.prices.migSlices or set computeUnitsPerHour',
  ]);
});
