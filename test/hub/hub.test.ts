/**
 * The hub's Python (hub/) under pytest, so `npm test` covers it: tools/python-env.sh makes or reuses
 * the venv .work/venv from hub/requirements.txt, then pytest runs test/hub, which loads
 * hub/jupyterhub_config.py with the prod settings and starts a real JupyterHub.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../helpers";

// No __pycache__ folders beside the sources (nor .pytest_cache, see -p below). Not PYTHONPYCACHEPREFIX:
// it would also hide the venv's precompiled bytecode and triple the hub's start-up time.
const ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: "1" };

function run(command: string, args: string[], timeoutMs: number) {
  const result = spawnSync(command, args, {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: timeoutMs,
    env: ENV,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  return { ok: result.status === 0, output: result.error ? `${result.error.message}\n${output}` : output };
}

test("the hub's config, spawn check, spawn page and cullers pass pytest against a real JupyterHub", (t) => {
  // A cold venv downloads JupyterHub and friends (about a minute); a warm one is reused at once.
  const env = run("bash", [path.join("tools", "python-env.sh")], 10 * 60_000);
  assert.ok(env.ok, `tools/python-env.sh failed:\n${env.output}`);
  const python = path.join(PROJECT_ROOT, ".work", "venv", "bin", "python");
  const pytest = run(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider", "test/hub"], 5 * 60_000);
  assert.ok(pytest.ok, `pytest test/hub failed:\n${pytest.output}`);
  t.diagnostic(`pytest: ${pytest.output.trim().split("\n").at(-1)}`);
});
