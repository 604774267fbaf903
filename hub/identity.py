"""Each hub username stays bound to the identity provider's immutable subject (`sub`) that first
signed in with it.

The username comes from a readable claim (preferred_username), which an identity provider may let
people change and may not keep unique across case, while JupyterHub lowercases it: a renamed
account's old name taken by someone else, or `Alice` beside `alice`, would arrive as the same hub
user and get that user's server and home (`claim-<name>`). So a sign-in whose subject differs from
the one in the user's auth state (saved encrypted by JupyterHub at their previous sign-in) is
refused. Nothing is stored beyond JupyterHub's own auth state; docs/config.md, "Sign-in", says how
admins release a name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tornado import web


class SignInRefused(web.HTTPError):
    """A sign-in the hub refuses, with the message the error page shows (as profile_access.SpawnRefused)."""

    def __init__(self, message: str) -> None:
        super().__init__(403, "%s", message)
        self.message = message
        self.jupyterhub_message = message


def subject_of(auth_state: dict[str, Any] | None, state_key: str, subject_claim: str) -> str | None:
    userinfo = (auth_state or {}).get(state_key) or {}
    subject = userinfo.get(subject_claim)
    return str(subject) if subject not in (None, "") else None


def pin_to_subject(subject_claim: str, provider: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    """JupyterHub's post_auth_hook: refuse a name whose stored subject is not the one signing in."""

    async def hook(authenticator: Any, handler: Any, authentication: dict[str, Any]) -> dict[str, Any]:
        name = authentication["name"]  # already normalized (lowercased) by JupyterHub
        state_key = authenticator.user_auth_state_key
        subject = subject_of(authentication.get("auth_state"), state_key, subject_claim)
        if subject is None:
            raise SignInRefused(f"{provider} sent no '{subject_claim}' for {name}: sign-in refused.")
        user = handler.find_user(name)
        pinned = subject_of(await user.get_auth_state(), state_key, subject_claim) if user else None
        if pinned is not None and pinned != subject:
            authenticator.log.warning(
                "Refused sign-in as %s: %s %s is not %s, the %s this name belongs to",
                name,
                subject_claim,
                subject,
                pinned,
                subject_claim,
            )
            raise SignInRefused(
                f"The name {name} belongs to another {provider} account (a renamed or re-created account, "
                "or a name that differs only in case). Sign-in refused: ask the hub's admins."
            )
        return authentication

    return hook
