/**
 * The sim's user pods are KubeSpawner's: for every profile, sim/user-pods.ts builds the same pod
 * and claim as KubeSpawner 7 (from hub/requirements.txt, in the venv tools/python-env.sh makes)
 * configured from the same hub settings. Left out on purpose: the container's environment (the
 * hub's API token and URLs) and the version annotations; quantities compare as text (KubeSpawner
 * sends 8, the sim "8": the same quantity to the API server).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import { simConfig } from "../../sim/stack";
import { userServer } from "../../sim/user-pods";
import { PROJECT_ROOT } from "../helpers";

type Json = Record<string, unknown>;

/** Drops what the comparison leaves out and turns numbers under `resources` into text. */
function comparable(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => comparable(item));
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Json)
      .filter(([name, child]) => {
        if (name === "env" || name.endsWith("-version")) return false;
        return !(name === "imagePullSecrets" && Array.isArray(child) && child.length === 0);
      })
      .map(([name, child]) => [name, comparable(child, name)]);
    return Object.fromEntries(entries);
  }
  if (typeof value === "number" && (key === "cpu" || key === "memory" || key.includes("/")))
    return String(value);
  return value;
}

test("for every profile the sim builds the same pod and claim as KubeSpawner 7", (t) => {
  const env = spawnSync("bash", [path.join("tools", "python-env.sh")], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: 10 * 60_000,
  });
  assert.equal(env.status, 0, `tools/python-env.sh failed:\n${env.stderr}`);
  const settings = hubSettings(simConfig("prod"));
  const dir = mkdtempSync(path.join(os.tmpdir(), "kubespawner-"));
  try {
    const file = path.join(dir, "settings.json");
    writeFileSync(file, JSON.stringify(settings));
    const python = path.join(PROJECT_ROOT, ".work", "venv", "bin", "python");
    const script = path.join(PROJECT_ROOT, "test", "sim", "kubespawner_manifests.py");
    const result = spawnSync(python, [script, file, "alice"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    const theirs = JSON.parse(result.stdout) as Record<string, { pod: Json; claim: Json }>;
    for (const profile of settings.profiles) {
      const ours = userServer(settings, profile.slug, "alice");
      const reference = theirs[profile.slug];
      assert.ok(reference, profile.slug);
      assert.deepEqual(comparable(ours.pod), comparable(reference.pod), `${profile.slug}: pod`);
      assert.deepEqual(comparable(ours.claim), comparable(reference.claim), `${profile.slug}: claim`);
    }
    t.diagnostic(`${settings.profiles.length} profiles: pods and claims identical to KubeSpawner's`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
