"""Authentik's stand-in for the real-hub test: GenericOAuthenticator with only the two HTTP calls to
Authentik replaced, so our config's real OAuthenticator logic decides (username claim, groups from
auth_state, allowed_groups, admin_groups).

Signing in is a POST to JupyterHub's /hub/login (a username from USERS, any password) instead of the
OAuth redirect dance. Selected with JUPYTERHUB_TEST_AUTHENTICATOR=authentik_standin.AuthentikStandIn.
"""

from __future__ import annotations

from typing import Any

from oauthenticator.generic import GenericOAuthenticator
from tornado import web

# username -> the Authentik groups its userinfo carries (the access matrix's four kinds of user)
USERS: dict[str, list[str]] = {
    "student": ["cps-students"],
    "hpc": ["cpsHPCAccess"],
    "admin": ["jupyter_admin"],
    "nobody": [],
}


class AuthentikStandIn(GenericOAuthenticator):
    def build_access_tokens_request_params(self, handler: Any, data: dict | None = None) -> dict:
        return {"username": (data or {}).get("username", "")}

    async def get_token_info(self, handler: Any, params: dict) -> dict:
        if params["username"] not in USERS:
            raise web.HTTPError(403, "unknown user")
        # Shaped like Authentik's token response; the access token names the user for token_to_user.
        return {"access_token": params["username"], "token_type": "Bearer", "scope": " ".join(self.scope)}

    async def token_to_user(self, token_info: dict) -> dict:
        name = token_info["access_token"]
        # Authentik's userinfo with the scopes openid, profile, email and groups
        return {
            "sub": f"sub-{name}",
            "preferred_username": name,
            "email": f"{name}@example.org",
            "groups": USERS[name],
        }
