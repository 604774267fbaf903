/**
 * Debian's headless Chromium for the browser tests, driven by playwright-core: never a browser
 * download. Without it a test fails and says how to install it.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { PROJECT_ROOT } from "../helpers";

export const CHROMIUM = "/usr/bin/chromium";
const INSTALL_CHROMIUM = "apt-get update && apt-get install -y chromium";
// As the machine's notes say: without the networking flags Chromium keeps calling out of a closed network.
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const ARTIFACTS = path.join(PROJECT_ROOT, "test", "artifacts");

export function requireChromium(): void {
  // A fresh machine installs Debian's package first (as root); elsewhere the message says how.
  spawnSync("bash", [path.join(PROJECT_ROOT, "tools", "ensure-chromium.sh")], { stdio: "inherit" });
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch (error) {
    assert.fail(
      `Debian's Chromium is not installed (${CHROMIUM}: ${(error as NodeJS.ErrnoException).code}). ` +
        `This test needs it; install it as root with: ${INSTALL_CHROMIUM}`,
    );
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}
