/**
 * tools/python-env.sh from TypeScript: makes or reuses a pinned venv (default .work/venv from
 * hub/requirements.txt; waits while another run builds it) and throws with its output on failure.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { PROJECT_ROOT } from "./cluster";

export const HUB_VENV = path.join(PROJECT_ROOT, ".work", "venv");

export function ensureVenv(venv = HUB_VENV, requirements?: string): string {
  const args = requirements ? ["--venv", venv, "--requirements", requirements] : [];
  const result = spawnSync("bash", [path.join(PROJECT_ROOT, "tools", "python-env.sh"), ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: 10 * 60_000,
  });
  if (result.status !== 0)
    throw new Error(`tools/python-env.sh for ${venv} failed:\n${result.stdout}${result.stderr}`);
  return venv;
}
