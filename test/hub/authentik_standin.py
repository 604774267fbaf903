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
# Other Authentik accounts whose names collide with one above (sign in with the key): preferred_username
# and sub as Authentik would send them. JupyterHub lowercases names, so both arrive as "student".
COLLIDING: dict[str, dict[str, str]] = {
    "Student": {"preferred_username": "Student", "sub": "sub-another-account"},  # differs only in case
    "student-recreated": {"preferred_username": "student", "sub": "sub-recreated"},  # deleted, then made anew
}


class AuthentikStandIn(GenericOAuthenticator):
    def build_access_tokens_request_params(self, handler: Any, data: dict | None = None) -> dict:
        return {"username": (data or {}).get("username", "")}

    async def get_token_info(self, handler: Any, params: dict) -> dict:
        if params["username"] not in USERS and params["username"] not in COLLIDING:
            raise web.HTTPError(403, "unknown user")
        # Shaped like Authentik's token response; the access token names the user for token_to_user.
        return {"access_token": params["username"], "token_type": "Bearer", "scope": " ".join(self.scope)}

    async def token_to_user(self, token_info: dict) -> dict:
        name = token_info["access_token"]
        account = COLLIDING.get(name, {"preferred_username": name, "sub": f"sub-{name}"})
        # Authentik's userinfo with the scopes openid, profile, email and groups
        return {
            "sub": account["sub"],
            "preferred_username": account["preferred_username"],
            "email": f"{name}@example.org",
            "groups": USERS.get(account["preferred_username"].lower(), []),
        }
