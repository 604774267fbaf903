/**
 * Issue 14's student journey, end to end with real parts only: the stack on the simulated cluster,
 * the live hub/proxy/database (sim/live/), the identity provider configured from the stack, real
 * jupyterhub-singleuser servers behind the user pods, and Debian's Chromium as the browser.
 *
 * - a student signs in through the provider's form, sees the cards their groups open, starts the
 *   default one, lands in JupyterLab,
 *   runs a cell that writes a file into their home (the claim's volume folder), and stops;
 * - an HPC user gets the GPU cards and a GPU server placed on a GPU node;
 * - an admin opens the admin panel.
 * Screenshots go to test/artifacts/journey-*.png; the hub's log stays in .work/sim/e2e-journey/logs.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { journeyAccounts, type TestAccount } from "../../sim/identity-provider";
import { claimFolder } from "../../sim/live/database";
import type { LiveServices } from "../../sim/live/services";
import { waitFor } from "../../sim/wait";
import { ARTIFACTS, launchChromium, requireChromium } from "../support/chromium";
import {
  SETUP_TIMEOUT,
  type SimulatedStack,
  simulatedStack,
  startLiveWithNotebooks,
  tearDownLive,
} from "./support";

const NAME = "e2e-journey";
const CELL_FILE = "journey.txt";
const CELL_TEXT = "written by a notebook cell";

let sim: SimulatedStack | undefined;
let services: LiveServices | undefined;
let browser: Browser | undefined;
const accounts: TestAccount[] = [];
const up = () => {
  assert.ok(sim && services && browser, "the platform or Chromium did not start");
  return { sim, services, browser };
};
const account = (name: string) => {
  const found = accounts.find((candidate) => candidate.username === name);
  assert.ok(found, `no account ${name}`);
  return found;
};
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `journey-${name}.png`), fullPage: true });

/** Opens the hub, follows it to the provider's form, signs in, and comes back to the spawn page. */
async function signIn(name: string): Promise<Page> {
  const { services, browser } = up();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${services.live.publicUrl}/hub/spawn`);
  // The hub's login page offers the identity provider; its button leads to the provider's form.
  if (new URL(page.url()).port === new URL(services.live.publicUrl).port)
    await page.locator('a[href*="oauth_login"]').click();
  await page.locator("#username").waitFor();
  assert.equal(new URL(page.url()).origin, services.identity.baseUrl, "the form is the provider's");
  await page.fill("#username", name);
  await page.fill("#password", account(name).password);
  await Promise.all([page.waitForURL(/\/hub\/spawn/), page.click("#sign-in")]);
  return page;
}

async function cards(page: Page): Promise<string[]> {
  const slugs = await page
    .locator("[data-profile-slug]")
    .evaluateAll((elements) => elements.map((element) => element.getAttribute("data-profile-slug") ?? ""));
  return slugs;
}

before(
  async () => {
    requireChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    sim = await simulatedStack(NAME);
    accounts.push(...journeyAccounts(sim.config));
    services = await startLiveWithNotebooks(sim, accounts);
    browser = await launchChromium();
  },
  { timeout: SETUP_TIMEOUT },
);

after(async () => {
  await browser?.close().catch(() => undefined);
  await tearDownLive(services, sim, NAME);
});

describe("the student journey in Chromium", { timeout: 10 * 60_000 }, () => {
  test("a student signs in, sees the cards their groups open, starts the default, runs a cell in JupyterLab that writes into the home, and stops", async (t) => {
    const { sim, services } = up();
    const page = await signIn("student");
    const shown = await cards(page);
    // The cards the student's groups open (the hub's rule, hub/profile_access.py), in page order.
    const groups = account("student").groups;
    const open = [...sim.config.profiles]
      .sort((a, b) => a.order - b.order)
      .filter((profile) => profile.groups.some((group) => groups.includes(group)))
      .map((profile) => profile.slug);
    assert.deepEqual(shown, open, "the student sees exactly the profiles their groups open");
    await shot(page, "student-spawn");

    const started = Date.now();
    await page.getByRole("button", { name: "Start" }).click();
    await page.waitForURL(/\/user\/student\/lab/, { timeout: 180_000 });
    t.diagnostic(`JupyterLab loaded ${((Date.now() - started) / 1000).toFixed(1)} s after Start`);
    await page.locator(".jp-LauncherCard").first().waitFor({ timeout: 120_000 });
    await shot(page, "student-lab");

    // A notebook from the launcher, one cell, Shift+Enter.
    await page.locator('.jp-LauncherCard[data-category="Notebook"]').first().click();
    await page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").waitFor({ timeout: 120_000 });
    const editor = page.locator(".jp-Cell .cm-content").first();
    await editor.click();
    await page.keyboard.type(`open(${JSON.stringify(CELL_FILE)}, "w").write(${JSON.stringify(CELL_TEXT)})`);
    // The text must be in the cell before it runs (a click may land while JupyterLab still lays out).
    await page.locator(".jp-Cell .cm-content", { hasText: CELL_FILE }).first().waitFor({ timeout: 30_000 });
    // Run it in place (Ctrl+Enter); if the kernel was not connected yet and the run went nowhere
    // (no output, no execution count), run it again, as a person would.
    const output = page.locator(".jp-OutputArea-output").first();
    for (let attempt = 1; ; attempt++) {
      await editor.click();
      await page.keyboard.press("Control+Enter");
      const ran = await output
        .waitFor({ timeout: 20_000 })
        .then(() => true)
        .catch(() => false);
      if (ran) break;
      if (attempt === 6) {
        await shot(page, "student-cell-failed");
        assert.fail("the cell gave no output after 6 runs of 20 s");
      }
      t.diagnostic(`the cell gave no output within 20 s (attempt ${attempt}): running it again`);
    }
    await shot(page, "student-cell");

    const home = await claimFolder(sim.cluster, sim.config.cluster.namespace, "claim-student");
    const file = path.join(home, CELL_FILE);
    await waitFor(`${CELL_FILE} in claim-student's folder`, () => existsSync(file), { timeoutMs: 30_000 });
    assert.equal(readFileSync(file, "utf8"), CELL_TEXT);

    // Stop from the hub's home page, as the student would.
    await page.goto(`${services.live.publicUrl}/hub/home`);
    await page.locator("#stop").click();
    await page.locator("#start").waitFor({ timeout: 120_000 });
    await shot(page, "student-stopped");
    await waitFor(
      "pod jupyter-student gone",
      async () =>
        (await sim.cluster.client.find(
          `/api/v1/namespaces/${sim.config.cluster.namespace}/pods/jupyter-student`,
        )) === undefined,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  test("an HPC user gets the GPU cards, and a GPU server lands on a GPU node", async () => {
    const { sim } = up();
    const page = await signIn("hpc");
    const shown = await cards(page);
    const gpuProfiles = sim.config.profiles.filter((profile) => profile.gpu?.count && !profile.customImage);
    const gpu = gpuProfiles[0];
    assert.ok(gpu, "the stack has a full-GPU profile");
    for (const profile of gpuProfiles) assert.ok(shown.includes(profile.slug), `${profile.slug} is offered`);
    await shot(page, "hpc-spawn");
    await page.locator(`[data-profile-slug="${gpu.slug}"]`).click();
    await page.getByRole("button", { name: "Start" }).click();
    await page.waitForURL(/\/user\/hpc\/lab/, { timeout: 180_000 });
    await page.locator(".jp-LauncherCard").first().waitFor({ timeout: 120_000 });
    await shot(page, "hpc-lab");
    const pod = await sim.cluster.client.get<{ spec: { nodeName?: string } }>(
      `/api/v1/namespaces/${sim.config.cluster.namespace}/pods/jupyter-hpc`,
    );
    const node = sim.config.nodes.find((candidate) => candidate.name === pod.spec.nodeName);
    assert.ok(node?.gpu, `jupyter-hpc runs on ${pod.spec.nodeName}, not a GPU node`);
  });

  test("an admin opens the admin panel and sees the users", async () => {
    const { services } = up();
    const page = await signIn("admin");
    await page.goto(`${services.live.publicUrl}/hub/admin`);
    await page.getByText("student").first().waitFor({ timeout: 60_000 });
    await page.getByText("hpc").first().waitFor();
    await shot(page, "admin-panel");
  });
});
