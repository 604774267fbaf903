/**
 * Issue 6 in a browser: the spawn page of a real JupyterHub (test/hub/serve_hub.py: our
 * jupyterhub_config.py with the prod settings and Authentik's stand-in) in Debian's headless
 * Chromium, driven by playwright-core. Each user opens /hub/spawn as a person would, is sent to the
 * login page, signs in there (the stand-in's form post instead of the OAuth dance) and comes back to
 * the spawn page, whose cards are counted by their data attributes (hub/templates/form.html). Each
 * page is saved as test/artifacts/spawn-<user>.png.
 *
 * Chromium is Debian's package, never a browser download: without it this test fails and says how to
 * install it.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { ARTIFACTS, launchChromium, requireChromium } from "../support/chromium";
import { type RealHub, startRealHub } from "../support/real-hub";

const CPU = ["cpu-default"];
const GPU = ["gpu-pytorch-single", "gpu-tensorflow-single", "gpu-pytorch-dual", "gpu-tensorflow-dual"];
const MIG = ["mig-1g-5gb", "mig-2g-10gb"];
const CUSTOM_IMAGE_FIELD = "profile-option-custom-image--image--unlisted-choice";
const GPU_COUNT_FIELD = "profile-option-custom-image--gpus";

async function startHub(): Promise<RealHub> {
  return startRealHub(path.join("test", "hub", "serve_hub.py"));
}

interface SignIn {
  page: Page;
  status: number;
}

/** Opens the spawn page signed out, signs in on the login page it leads to, and follows the hub back. */
async function signIn(browser: Browser, hubUrl: string, name: string): Promise<SignIn> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${hubUrl}/hub/spawn`);
  const login = new URL(page.url());
  assert.equal(login.pathname, "/hub/login", "signed out, /hub/spawn leads to the login page");
  assert.equal(login.searchParams.get("next"), "/hub/spawn");
  const xsrf = (await context.cookies(page.url())).find((cookie) => cookie.name === "_xsrf")?.value;
  assert.ok(xsrf, "the login page set no _xsrf cookie");

  // Authentik's stand-in signs in with a form post to this page, in place of the OAuth redirects.
  const fields = JSON.stringify({ username: name, password: "any", _xsrf: xsrf });
  await page.evaluate(`(() => {
    const form = document.createElement("form");
    form.method = "post";
    form.action = location.href;
    for (const [name, value] of Object.entries(${fields})) {
      const input = document.createElement("input");
      Object.assign(input, { type: "hidden", name, value });
      form.append(input);
    }
    const button = document.createElement("button");
    button.textContent = "Sign in as " + ${JSON.stringify(name)};
    form.append(button);
    document.body.append(form);
  })()`);
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/hub/login",
    ),
    page.getByRole("button", { name: `Sign in as ${name}` }).click(),
  ]);
  await page.waitForLoadState("load");
  return { page, status: response.status() };
}

async function spawnPage(browser: Browser, hubUrl: string, name: string): Promise<Page> {
  const { page, status } = await signIn(browser, hubUrl, name);
  assert.equal(status, 302, `${name} could not sign in`);
  assert.equal(new URL(page.url()).pathname, "/hub/spawn", `${name} was not sent back to the spawn page`);
  await page.screenshot({ path: path.join(ARTIFACTS, `spawn-${name}.png`), fullPage: true });
  return page;
}

async function attributes(page: Page, selector: string, name: string): Promise<(string | null)[]> {
  return Promise.all((await page.locator(selector).all()).map((element) => element.getAttribute(name)));
}

/** The slugs of the cards, in page order, after checking the form's own count and that each is shown. */
async function cards(page: Page): Promise<string[]> {
  const slugs = await attributes(page, "[data-profile-slug]", "data-profile-slug");
  const count = await page.locator("#cps-profiles").getAttribute("data-profile-count");
  assert.equal(count, String(slugs.length), "data-profile-count and the cards disagree");
  for (const card of await page.locator("[data-profile-slug]").all()) assert.ok(await card.isVisible());
  return slugs.map(String);
}

async function selected(page: Page): Promise<string[]> {
  return attributes(page, 'input[name="profile"]:checked', "value").then((values) => values.map(String));
}

async function freeTextFields(page: Page): Promise<string[]> {
  return attributes(page, 'input[name$="--unlisted-choice"]', "name").then((names) => names.map(String));
}

/** The rows the cards are laid out in (by their top edge): a grid puts several cards in a row. */
async function rows(page: Page): Promise<number[]> {
  const tops = new Set<number>();
  for (const card of await page.locator("[data-profile-slug]").all()) {
    const box = await card.boundingBox();
    assert.ok(box && box.width >= 200, `a card is ${box?.width ?? 0}px wide`);
    tops.add(Math.round(box.y));
  }
  return [...tops];
}

describe("the spawn page in Chromium", { timeout: 12 * 60_000 }, () => {
  let hub: RealHub | undefined;
  let browser: Browser | undefined;
  const started = () => {
    assert.ok(hub && browser, "the hub or Chromium did not start");
    return { url: hub.url, browser };
  };

  before(async () => {
    requireChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
    hub = await startHub();
    browser = await launchChromium();
  });

  after(async () => {
    try {
      await browser?.close();
      if (hub) copyFileSync(hub.log, path.join(ARTIFACTS, "spawn-page-hub.log"));
    } finally {
      await hub?.stop();
    }
  });

  test("a student sees only the CPU card, pre-selected", { timeout: 30_000 }, async () => {
    const { url, browser } = started();
    const page = await spawnPage(browser, url, "student");
    assert.deepEqual(await cards(page), CPU);
    assert.deepEqual(await selected(page), ["cpu-default"]);
    assert.deepEqual(await freeTextFields(page), []);
    await page.getByText("For longer CLI workloads, use tmux in Terminal").waitFor();
    await page.getByText("2 vCPU (shared) • 2 GiB").waitFor();
    await page.getByRole("button", { name: "Start" }).waitFor();
  });

  test("an HPC user sees the CPU, GPU and MIG cards, and no custom image field", {
    timeout: 30_000,
  }, async () => {
    const { url, browser } = started();
    const page = await spawnPage(browser, url, "hpc");
    assert.deepEqual(await cards(page), [...CPU, ...GPU, ...MIG]);
    assert.deepEqual(await selected(page), ["cpu-default"]);
    assert.deepEqual(await freeTextFields(page), []);
    assert.equal(await page.locator("select").count(), 0);
    await page.getByText("1× GPU • 16 vCPU • 64 GiB").first().waitFor();
    await page.getByText("1× MIG 1g.5gb • 6 vCPU • 24 GiB").waitFor();
    assert.ok((await rows(page)).length < 7, "the cards are not laid out as a grid");
  });

  test("an admin also sees the custom image card with its image field and GPU count", {
    timeout: 30_000,
  }, async () => {
    const { url, browser } = started();
    const page = await spawnPage(browser, url, "admin");
    assert.deepEqual(await cards(page), [...CPU, ...GPU, ...MIG, "custom-image"]);
    assert.deepEqual(await selected(page), ["cpu-default"]);
    assert.deepEqual(await freeTextFields(page), [CUSTOM_IMAGE_FIELD]);
    const image = page.locator(`[data-profile-slug="custom-image"] input[name="${CUSTOM_IMAGE_FIELD}"]`);
    assert.equal(await image.getAttribute("type"), "text");
    assert.ok(await image.isEditable());
    const gpus = page.locator(`[data-profile-slug="custom-image"] select[name="${GPU_COUNT_FIELD}"]`);
    assert.deepEqual(await attributes(page, `select[name="${GPU_COUNT_FIELD}"] option`, "value"), [
      "0",
      "1",
      "2",
    ]);
    assert.ok(await gpus.isVisible());
    assert.ok((await rows(page)).length < 8, "the cards are not laid out as a grid");

    // Typing an image selects its card, as form.html's script promises.
    await image.fill("registry.example.org/course/notebook:1.0");
    assert.deepEqual(await selected(page), ["custom-image"]);
    await page.screenshot({ path: path.join(ARTIFACTS, "spawn-admin-custom-image.png"), fullPage: true });
  });

  test("a user in none of the allowed groups cannot get past the login page (403)", {
    timeout: 30_000,
  }, async () => {
    const { url, browser } = started();
    const { page, status } = await signIn(browser, url, "nobody");
    assert.equal(status, 403);
    await page.getByRole("button", { name: "Sign in with Authentik" }).waitFor(); // the login page again
    await page.screenshot({ path: path.join(ARTIFACTS, "login-nobody.png"), fullPage: true });
    await page.goto(`${url}/hub/spawn`);
    assert.equal(new URL(page.url()).pathname, "/hub/login", "nobody reached the spawn page");
    assert.equal(await page.locator("[data-profile-slug]").count(), 0);
  });
});
