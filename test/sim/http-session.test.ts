/**
 * sim/http-session.ts, the tests' browser: its cookie jar, and how `signIn` reports where a sign-in
 * stopped. Runs against the identity provider and the stand-in hub (test/support/mini-hub.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CookieJar } from "../../sim/cookie-jar";
import { HttpSession, SignInError } from "../../sim/http-session";
import {
  generatedClientSecret,
  identityProviderOptions,
  type RunningIdentityProvider,
  startIdentityProvider,
} from "../../sim/identity-provider";
import { freePorts } from "../../sim/ports";
import { prodConfig } from "../helpers";
import { type MiniHub, startMiniHubFor } from "../support/mini-hub";

describe("the cookie jar", () => {
  const hub = new URL("http://127.0.0.1:8000/hub/login");
  test("keeps cookies per host:port and path, as a browser sends them", () => {
    const jar = new CookieJar();
    jar.store(hub, ["_xsrf=x; Path=/hub/", "session=s; Path=/; HttpOnly", "state=t"]);
    jar.store(new URL("http://127.0.0.1:9000/"), ["session=other; Path=/"]);
    assert.equal(jar.header(new URL("http://127.0.0.1:8000/hub/api/user")), "_xsrf=x; state=t; session=s");
    assert.equal(jar.header(new URL("http://127.0.0.1:8000/user/a/")), "session=s");
    assert.equal(
      jar.header(new URL("http://127.0.0.1:8000/hubx")),
      "session=s",
      "/hub/ is not a prefix of /hubx",
    );
    assert.equal(jar.get(new URL("http://127.0.0.1:9000/anything"), "session"), "other");
    assert.equal(jar.get(new URL("http://127.0.0.1:9000/"), "_xsrf"), undefined);
  });

  test("forgets a cookie cleared with Max-Age=0 or an Expires in the past", () => {
    const jar = new CookieJar();
    jar.store(hub, ["a=1; Path=/", "b=2; Path=/", "c=3; Path=/; Max-Age=3600"]);
    jar.store(hub, ['a=""; Path=/; Max-Age=0', "b=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]);
    assert.equal(jar.header(hub), "c=3");
  });
});

describe("signIn says where a sign-in stopped", () => {
  const config = prodConfig();
  const accounts = [{ username: "ada", password: generatedClientSecret().slice(0, 20), groups: ["g"] }];
  const secret = generatedClientSecret();
  let provider: RunningIdentityProvider;
  let hub: MiniHub;

  before(async () => {
    const [port = 0] = await freePorts(1);
    const hubUrl = `http://127.0.0.1:${port}`;
    provider = await startIdentityProvider(
      identityProviderOptions(config, { hubUrl, clientSecret: secret, accounts }),
    );
    hub = await startMiniHubFor(provider, config, secret, port);
  });

  after(async () => {
    await hub?.stop();
    await provider?.stop();
  });

  test("a wrong password stops at the login form, with the provider's 401 and its message", async () => {
    const error = await new HttpSession()
      .signIn(hub.url, "ada", "not-her-password")
      .catch((caught) => caught);
    assert.ok(error instanceof SignInError, String(error));
    assert.equal(error.step, "post the login form");
    assert.equal(error.reply?.status, 401);
    assert.match(error.message, /Invalid username or password/);
    assert.doesNotMatch(error.message, /not-her-password/);
  });

  test("a hub that does not answer stops at the first step", async () => {
    const [closed = 0] = await freePorts(1);
    const error = await new HttpSession(5_000)
      .signIn(`http://127.0.0.1:${closed}`, "ada", "x")
      .catch((caught) => caught);
    assert.ok(error instanceof SignInError, String(error));
    assert.equal(error.step, "open the login form");
    assert.match(error.message, /ECONNREFUSED/);
  });

  test("signing in again in the same browser goes through the provider's session, without the form", async () => {
    const session = new HttpSession();
    const password = accounts[0]?.password ?? "";
    assert.equal((await session.signIn(hub.url, "ada", password)).name, "ada");
    const logins = provider.counters().loginsOk;
    assert.equal((await session.signIn(hub.url, "ada", "the form is not shown")).name, "ada");
    assert.equal(provider.counters().loginsOk, logins, "no second login at the provider");
    assert.equal(hub.signIns.length, 2, "but a second code exchange and userinfo");
  });
});
