/**
 * The identity provider that stands in for Authentik (sim/identity-provider/): oidc-provider behind
 * Authentik's paths, our login form, configured from the stack. A stand-in hub (test/support/mini-hub.ts)
 * plays GenericOAuthenticator's part; sim/http-session.ts plays the browser's. No cluster needed.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { authentikEndpoints } from "../../config/schema/auth";
import { HttpSession } from "../../sim/http-session";
import {
  generatedClientSecret,
  identityProviderOptions,
  journeyAccounts,
  type RunningIdentityProvider,
  startIdentityProvider,
} from "../../sim/identity-provider";
import { freePorts } from "../../sim/ports";
import { prodConfig } from "../helpers";
import { type MiniHub, startMiniHubFor } from "../support/mini-hub";

const config = prodConfig();
const { oauth } = config.auth;
const accounts = journeyAccounts(config);
const account = (name: string) => {
  const found = accounts.find((candidate) => candidate.username === name);
  assert.ok(found, name);
  return found;
};
const secret = generatedClientSecret();
/** A class of students in the first account's group, for the load figures. */
const CLASS = 150;
const students = Array.from({ length: CLASS }, (_, index) => ({
  username: `s${String(index + 1).padStart(3, "0")}`,
  password: generatedClientSecret().slice(0, 16),
  groups: account("student").groups,
}));

let provider: RunningIdentityProvider;
let hub: MiniHub;
let hubUrl: string;
before(async () => {
  const [port = 0] = await freePorts(1);
  hubUrl = `http://127.0.0.1:${port}`;
  provider = await startIdentityProvider(
    identityProviderOptions(config, { hubUrl, clientSecret: secret, accounts: [...accounts, ...students] }),
  );
  hub = await startMiniHubFor(provider, config, secret, port);
});

after(async () => {
  await hub?.stop();
  await provider?.stop();
});

/** The browser up to the provider's login form, from the stand-in hub's /hub/oauth_login. */
async function loginForm(session: HttpSession, start = `${hubUrl}/hub/oauth_login`) {
  const form = await session.navigate("GET", start);
  assert.equal(form.status, 200, form.body);
  const action = /<form\b[^>]*\baction="([^"]*)"/.exec(form.body)?.[1];
  assert.ok(action, `no form on the page:\n${form.body}`);
  return { form, action: new URL(action.replace(/&amp;/g, "&"), form.url).href };
}

/** An authorization request for the hub's client, without PKCE. */
function authorizeUrl(redirectUri: string): string {
  const authorize = new URL(provider.endpoints.authorize);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: oauth.clientId,
    redirect_uri: redirectUri,
    scope: oauth.scopes.join(" "),
    state: "s",
  }).toString();
  return authorize.href;
}

describe("the identity provider looks like Authentik to the hub", () => {
  test("its endpoints are exactly the ones the stack derives for Authentik, and its discovery says so", async () => {
    assert.equal(oauth.type, "authentik", "prod signs in through Authentik");
    if (oauth.type !== "authentik") return;
    const expected = authentikEndpoints(provider.baseUrl, oauth.application);
    const { authorize, token, userinfo, endSession } = provider.endpoints;
    assert.deepEqual(
      [authorize, token, userinfo, endSession],
      [expected.authorizeUrl, expected.tokenUrl, expected.userdataUrl, expected.logoutUrl],
    );
    assert.equal(provider.issuer, `${provider.baseUrl}/application/o/${oauth.application}/`);

    const discovery = (await (await fetch(provider.endpoints.discovery)).json()) as Record<string, unknown>;
    assert.equal(discovery.issuer, provider.issuer);
    assert.equal(discovery.authorization_endpoint, expected.authorizeUrl);
    assert.equal(discovery.token_endpoint, expected.tokenUrl);
    assert.equal(discovery.userinfo_endpoint, expected.userdataUrl);
    assert.equal(discovery.end_session_endpoint, expected.logoutUrl);
    assert.deepEqual(discovery.token_endpoint_auth_methods_supported, [
      "client_secret_basic",
      "client_secret_post",
    ]);
    for (const scope of oauth.scopes)
      assert.ok((discovery.scopes_supported as string[]).includes(scope), scope);
  });

  test("it is configured from the stack: client id, scopes, claims, and the hub's callback path", () => {
    const options = identityProviderOptions(config, { hubUrl, clientSecret: secret, accounts });
    assert.equal(options.clientId, oauth.clientId);
    assert.deepEqual(options.scopes, oauth.scopes);
    assert.equal(options.groupsClaim, oauth.groupsClaim);
    assert.equal(options.usernameClaim, oauth.usernameClaim);
    assert.deepEqual(options.redirectUris, [`${hubUrl}/hub/oauth_callback`]);
    const { admin, gpu } = config.auth.groups;
    assert.deepEqual(account("hpc").groups, [gpu[0]]);
    assert.deepEqual(account("admin").groups, [admin[0]]);
    assert.deepEqual(account("nobody").groups, []);
    assert.equal(account("student").groups.length, 1);
  });
});

describe("signing in through the provider, as the hub's GenericOAuthenticator does", () => {
  test("userinfo carries preferred_username, the groups claim, email and a stable sub", async () => {
    const before = provider.counters();
    const user = await new HttpSession().signIn(hubUrl, "hpc", account("hpc").password);
    assert.equal(user.name, "hpc");
    assert.deepEqual(user.groups, account("hpc").groups);

    const claims = hub.signIns.at(-1) ?? {};
    assert.equal(claims[oauth.usernameClaim], "hpc");
    assert.deepEqual(claims[oauth.groupsClaim], account("hpc").groups);
    assert.equal(claims.email, "hpc@example.org");
    assert.match(String(claims.sub), /^[0-9a-f]{64}$/);

    await new HttpSession().signIn(hubUrl, "hpc", account("hpc").password);
    assert.equal(hub.signIns.at(-1)?.sub, claims.sub, "the same account gets the same sub each time");
    const admin = await new HttpSession().signIn(hubUrl, "admin", account("admin").password);
    assert.equal(admin.name, "admin");
    assert.notEqual(hub.signIns.at(-1)?.sub, claims.sub);
    assert.equal(provider.counters().loginsOk - before.loginsOk, 3);
    assert.equal(provider.counters().tokensIssued - before.tokensIssued, 3);
  });

  test("the client secret in an HTTP Basic header works as well as in the body", async () => {
    hub.clientAuth = "basic";
    try {
      const user = await new HttpSession().signIn(hubUrl, "student", account("student").password);
      assert.equal(user.name, "student");
      assert.deepEqual(hub.signIns.at(-1)?.[oauth.groupsClaim], account("student").groups);
    } finally {
      hub.clientAuth = "post";
    }
  });

  test("an account without groups signs in at the provider; its groups claim is empty (the hub refuses it)", async () => {
    const user = await new HttpSession().signIn(hubUrl, "nobody", account("nobody").password);
    assert.deepEqual(user.groups, []);
  });
});

describe("what the provider refuses", () => {
  test("a wrong password shows the form again with 401 and an error; the right one then signs in", async () => {
    const session = new HttpSession();
    const { action } = await loginForm(session);
    const before = provider.counters().loginsRefused;
    const refused = await session.navigate("POST", action, { form: { username: "hpc", password: "wrong" } });
    assert.equal(refused.status, 401);
    assert.match(refused.body, /Invalid username or password/);
    for (const id of ["username", "password", "sign-in"])
      assert.match(refused.body, new RegExp(`id="${id}"`));
    assert.match(refused.body, /id="username"[^>]*value="hpc"/, "the username is kept");
    const unknown = await session.navigate("POST", action, { form: { username: "mallory", password: "x" } });
    assert.equal(unknown.status, 401);
    assert.equal(provider.counters().loginsRefused - before, 2);

    const landed = await session.navigate("POST", action, {
      form: { username: "hpc", password: account("hpc").password },
    });
    assert.equal(landed.status, 200, landed.body);
    assert.equal(new URL(landed.url).origin, hubUrl, "back at the hub");
  });

  test("what a user types is escaped when the form is shown again", async () => {
    const session = new HttpSession();
    const { action } = await loginForm(session);
    const typed = `"><script>alert(1)</script>`;
    const refused = await session.navigate("POST", action, { form: { username: typed, password: "x" } });
    assert.equal(refused.status, 401);
    assert.doesNotMatch(refused.body, /<script>/);
    assert.match(refused.body, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  });

  test("an authorization request with a redirect_uri not registered for the client is refused, not redirected", async () => {
    const reply = await new HttpSession().request(
      "GET",
      authorizeUrl("http://127.0.0.1:9/hub/oauth_callback"),
    );
    assert.equal(reply.status, 400);
    assert.equal(reply.headers.location, undefined);
    assert.match(reply.body, /redirect_uri/);
  });

  test("the token endpoint refuses a wrong client secret, in the body or in a Basic header", async () => {
    const session = new HttpSession();
    // No PKCE here (the provider does not require it, as Authentik does not), so this test holds the
    // whole exchange.
    const { action } = await loginForm(session, authorizeUrl(`${hubUrl}/hub/oauth_callback`));
    const atCallback = await session.navigate(
      "POST",
      action,
      { form: { username: "student", password: account("student").password } },
      (next) => next.pathname === "/hub/oauth_callback",
    );
    const code = new URL(String(atCallback.headers.location), atCallback.url).searchParams.get("code");
    assert.ok(code, "the provider sent a code to the callback");
    const exchange = (headers: Record<string, string>, form: Record<string, string>) =>
      fetch(provider.endpoints.token, {
        method: "POST",
        headers,
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code,
          redirect_uri: `${hubUrl}/hub/oauth_callback`,
          ...form,
        }),
      });
    const before = provider.counters().tokenErrors;
    const inBody = await exchange({}, { client_id: oauth.clientId, client_secret: "wrong" });
    assert.equal(inBody.status, 401);
    assert.equal(((await inBody.json()) as { error: string }).error, "invalid_client");
    const basic = Buffer.from(`${oauth.clientId}:wrong`).toString("base64");
    const inHeader = await exchange({ Authorization: `Basic ${basic}` }, {});
    assert.equal(inHeader.status, 401);
    assert.equal(provider.counters().tokenErrors - before, 2);
    // The code was not spent by the refused attempts: the right secret still gets a token.
    const right = await exchange({}, { client_id: oauth.clientId, client_secret: secret });
    assert.equal(right.status, 200, await right.clone().text());
    const { access_token: token } = (await right.json()) as { access_token: string };
    const userinfo = await fetch(provider.endpoints.userinfo, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(((await userinfo.json()) as Record<string, unknown>)[oauth.usernameClaim], "student");
  });
});

describe("the provider's session, and a class signing in", () => {
  test("a second sign-in in the same browser skips the form; after signing out at end-session it asks again", async () => {
    const session = new HttpSession();
    await session.signIn(hubUrl, "admin", account("admin").password);
    const again = await session.navigate("GET", `${hubUrl}/hub/oauth_login`);
    assert.equal(new URL(again.url).origin, hubUrl, "straight back to the hub, no form");
    assert.equal(again.status, 200);

    const confirm = await session.navigate("GET", provider.endpoints.endSession);
    assert.equal(confirm.status, 200);
    assert.match(confirm.body, /id="sign-out"/);
    const action = /<form\b[^>]*\baction="([^"]*)"/.exec(confirm.body)?.[1];
    const xsrf = /name="xsrf" value="([^"]*)"/.exec(confirm.body)?.[1];
    assert.ok(action && xsrf, confirm.body);
    const out = await session.navigate("POST", new URL(action, confirm.url).href, {
      form: { xsrf, logout: "yes" },
    });
    assert.equal(out.status, 200);
    assert.match(out.body, /signed out/);
    const { form } = await loginForm(session);
    assert.match(form.body, /id="sign-in"/, "the provider asks for the password again");
  });

  test(`${CLASS} students sign in one after another, then all at once`, async (t) => {
    const before = provider.counters();
    const signIn = async (student: (typeof students)[number]) => {
      const user = await new HttpSession().signIn(hubUrl, student.username, student.password);
      assert.equal(user.name, student.username);
    };
    let started = Date.now();
    for (const student of students) await signIn(student);
    const sequential = (Date.now() - started) / 1000;
    started = Date.now();
    await Promise.all(students.map(signIn));
    const concurrent = (Date.now() - started) / 1000;
    t.diagnostic(
      `${CLASS} sign-ins through the provider and the stand-in hub: one after another ${sequential.toFixed(2)} s, all at once ${concurrent.toFixed(2)} s`,
    );
    const after = provider.counters();
    assert.equal(after.loginsOk - before.loginsOk, 2 * CLASS);
    assert.equal(after.tokensIssued - before.tokensIssued, 2 * CLASS);
    assert.equal(after.loginsRefused, before.loginsRefused);
    assert.equal(after.serverErrors, 0);
    // A class must not wait on the provider: generous bounds for a loaded 2-core machine.
    assert.ok(sequential < 60 && concurrent < 60, `${sequential} s, ${concurrent} s`);
  });
});
