/**
 * The real hub signs in through the identity provider (issue 14): JupyterHub 5.5 with our
 * jupyterhub_config.py and the prod settings, its real GenericOAuthenticator (no
 * JUPYTERHUB_TEST_AUTHENTICATOR) doing the authorization-code flow against sim/identity-provider/,
 * and sim/http-session.ts as the browser. The hub runs through test/hub/serve_hub_oidc.py; no cluster.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import { HttpSession, SignInError } from "../../sim/http-session";
import {
  generatedClientSecret,
  identityProviderOptions,
  journeyAccounts,
  type RunningIdentityProvider,
  startIdentityProvider,
} from "../../sim/identity-provider";
import { localUrl, originOf } from "../../sim/live/addresses";
import { freePorts } from "../../sim/ports";
import { prodConfig } from "../helpers";
import { type RealHub, startRealHub } from "../support/real-hub";

const config = prodConfig();
const accounts = journeyAccounts(config);
const password = (name: string) => accounts.find((account) => account.username === name)?.password ?? "";
const secret = generatedClientSecret();
const folder = mkdtempSync(path.join(tmpdir(), "idp-hub-"));

let provider: RunningIdentityProvider;
let hub: RealHub | undefined;
let hubUrl: string;
const hubLog = () => (hub && existsSync(hub.log) ? readFileSync(hub.log, "utf8") : "");

/**
 * The hub's `auth` settings pointed at the running provider and the local hub: what the plan writes
 * over the rendered settings' `auth` before serve_hub_oidc.py starts the hub.
 */
function hubAuthSettings() {
  const { auth } = hubSettings(config);
  return {
    ...auth,
    authorize_url: provider.endpoints.authorize,
    token_url: provider.endpoints.token,
    userdata_url: provider.endpoints.userinfo,
    callback_url: localUrl(auth.callback_url, new Map([[originOf(auth.callback_url), hubUrl]])),
    logout_redirect_url: provider.endpoints.endSession,
  };
}

before(
  async () => {
    const [port = 0] = await freePorts(1);
    hubUrl = `http://127.0.0.1:${port}`;
    provider = await startIdentityProvider(
      identityProviderOptions(config, { hubUrl, clientSecret: secret, accounts }),
    );
    const secretFile = path.join(folder, "client-secret");
    writeFileSync(secretFile, secret, { mode: 0o600 });
    const plan = path.join(folder, "plan.json");
    const auth = hubAuthSettings();
    writeFileSync(plan, JSON.stringify({ hub_port: port, auth, client_secret_file: secretFile }));
    hub = await startRealHub(path.join("test", "hub", "serve_hub_oidc.py"), [plan]);
  },
  { timeout: 15 * 60_000 }, // tools/python-env.sh may build the venv first
);

after(async () => {
  await hub?.stop();
  await provider?.stop();
  rmSync(folder, { recursive: true, force: true });
});

describe("the real hub signs users in through the identity provider", () => {
  test("hpc: the hub's user has the provider's username and the GPU group from the groups claim", async () => {
    const before = provider.counters();
    const user = await new HttpSession()
      .signIn(hubUrl, "hpc", password("hpc"))
      .catch((error: Error) => assert.fail(`${error.message}\nhub log:\n${hubLog()}`));
    assert.equal(user.name, "hpc");
    assert.equal(user.admin, false);
    assert.deepEqual(user.groups, [config.auth.groups.gpu[0]]);
    assert.equal(provider.counters().loginsOk - before.loginsOk, 1);
    assert.equal(
      provider.counters().tokensIssued - before.tokensIssued,
      1,
      "GenericOAuthenticator exchanged the code",
    );
  });

  test("admin: a member of the admin group is a hub admin", async () => {
    const user = await new HttpSession().signIn(hubUrl, "admin", password("admin"));
    assert.equal(user.name, "admin");
    assert.equal(user.admin, true);
  });

  test("nobody: signed in at the provider, refused by the hub (no allowed group)", async () => {
    const refused = await new HttpSession().signIn(hubUrl, "nobody", password("nobody")).then(
      () => assert.fail("nobody was let in"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof SignInError, String(refused));
    assert.equal(refused.reply?.status, 403, refused.message);
  });

  test("logging out of the hub leads to the provider's end-session page", async () => {
    const session = new HttpSession();
    await session.signIn(hubUrl, "student", password("student"));
    const page = await session.navigate("GET", `${hubUrl}/hub/logout`);
    assert.equal(page.url, provider.endpoints.endSession);
    assert.match(page.body, /id="sign-out"/);
    const api = await session.api("GET", `${hubUrl}/hub/api/user`);
    assert.equal(api.status, 403, "the hub's session is gone");
  });

  test("the client secret appears nowhere in the hub's log", () => {
    assert.ok(hubLog().length > 0);
    assert.ok(!hubLog().includes(secret));
  });
});
