/**
 * The hub's sign-in settings (settings.json `auth`) for each identity provider: the Python only
 * reads them (hub/jupyterhub_config.py), so what the provider choice means is decided here.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { hubSettings } from "../../components/jupyterhub/hub-settings";
import { authSchema } from "../../config/schema/auth";
import { editableProdConfig, prodConfig } from "../helpers";

const GROUPS = { admin: ["jupyter_admin"], allowed: ["cps-students", "cpsHPCAccess", "jupyter_admin"] };

function authSettings(oauth: Record<string, unknown>) {
  const config = editableProdConfig();
  config.auth = authSchema.parse({ oauth, groups: GROUPS });
  return hubSettings(config).auth;
}

describe("the hub's sign-in settings", () => {
  test("Authentik: its endpoints under its URL, and logging out ends its session at the application's end-session URL", () => {
    const auth = hubSettings(prodConfig()).auth;
    assert.equal(auth.login_service, "Authentik");
    assert.equal(auth.authorize_url, "https://auth.cps.unileoben.ac.at/application/o/authorize/");
    assert.equal(auth.token_url, "https://auth.cps.unileoben.ac.at/application/o/token/");
    assert.equal(auth.userdata_url, "https://auth.cps.unileoben.ac.at/application/o/userinfo/");
    assert.equal(
      auth.logout_redirect_url,
      "https://auth.cps.unileoben.ac.at/application/o/jupyterhub/end-session/",
    );
    assert.equal(auth.username_claim, "preferred_username");
    assert.equal(auth.subject_claim, "sub");
  });

  test("another OpenID Connect provider is a config change: its endpoints, name and claims as written", () => {
    const auth = authSettings({
      type: "oidc",
      loginService: "Keycloak",
      clientId: "hub",
      authorizeUrl: "https://idp.example.org/realms/uni/protocol/openid-connect/auth",
      tokenUrl: "https://idp.example.org/realms/uni/protocol/openid-connect/token",
      userdataUrl: "https://idp.example.org/realms/uni/protocol/openid-connect/userinfo",
      logoutUrl: "https://idp.example.org/realms/uni/protocol/openid-connect/logout",
      scopes: ["openid", "profile", "email"],
      groupsClaim: "roles",
    });
    assert.deepEqual(
      {
        login_service: auth.login_service,
        token_url: auth.token_url,
        logout_redirect_url: auth.logout_redirect_url,
        scope: auth.scope,
        auth_state_groups_key: auth.auth_state_groups_key,
        subject_claim: auth.subject_claim,
      },
      {
        login_service: "Keycloak",
        token_url: "https://idp.example.org/realms/uni/protocol/openid-connect/token",
        logout_redirect_url: "https://idp.example.org/realms/uni/protocol/openid-connect/logout",
        scope: ["openid", "profile", "email"],
        auth_state_groups_key: "oauth_user.roles",
        subject_claim: "sub",
      },
    );
  });

  test("a stack written before the choice (no type) reads as oidc with its endpoints, and no end-session", () => {
    const auth = authSettings({
      clientId: "hub",
      authorizeUrl: "https://idp.example.org/authorize/",
      tokenUrl: "https://idp.example.org/token/",
      userdataUrl: "https://idp.example.org/userinfo/",
    });
    assert.equal(auth.token_url, "https://idp.example.org/token/");
    assert.equal(auth.logout_redirect_url, null);
    assert.equal(auth.username_claim, "preferred_username");
  });
});
