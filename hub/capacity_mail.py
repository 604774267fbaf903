"""An email to the user a place is offered to (the fair line, live_capacity.py), through the idle-GPU
notifier's SMTP settings (monitoring.notifier) when the stack has them; the page tells them either way.

The address is the identity provider's email claim in the user's auth state, as for the idle-GPU
email. Sending runs in a thread (smtplib blocks) and never fails the line: a missing address or an
SMTP error is logged, and the offer stands.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from capacity_queue import Waiting

log = logging.getLogger("JupyterHub.capacity")

SUBJECT = "A place on {profile} is yours until {until}"
BODY = """Hello {user},

a place on {profile} has come free and is held for you until {until}.
Start your server at {hub_url}/hub/spawn before then; after that the place goes to the next in line.

-- JupyterHub
"""

Send = Callable[[str, str, str], None]
EmailOf = Callable[[str], Awaitable["str | None"]]


def offer_mailer(send: Send, email_of: EmailOf, hub_url: str, profiles: Mapping[str, Mapping[str, Any]]):
    """`on_offer` for LiveCapacity: schedules the email on the hub's loop and returns at once."""

    async def mail(waiting: Waiting) -> None:
        try:
            to = await email_of(waiting.user)
            if not to:
                log.warning("capacity: no email address for %s; the offer is on the spawn page only", waiting.user)
                return
            until = datetime.fromtimestamp(waiting.offer_until or 0, timezone.utc).strftime("%H:%M UTC")
            values = {
                "user": waiting.user,
                "profile": profiles[waiting.slug]["display_name"],
                "until": until,
                "hub_url": hub_url.rstrip("/"),
            }
            await asyncio.get_running_loop().run_in_executor(
                None, send, to, SUBJECT.format(**values), BODY.format(**values)
            )
            log.info("capacity: emailed %s <%s> the offer of %s", waiting.user, to, waiting.slug)
        except Exception:
            log.exception("capacity: the offer email to %s failed; the offer stands", waiting.user)

    def on_offer(waiting: Waiting) -> None:
        asyncio.get_running_loop().create_task(mail(waiting))

    return on_offer


def auth_state_email(auth_state_key: str = "oauth_user", claim: str = "email") -> EmailOf:
    """The address from a user's auth state, looked up in the running hub (JupyterHub.instance())."""

    async def email_of(name: str) -> str | None:
        from jupyterhub import orm
        from jupyterhub.app import JupyterHub

        app = JupyterHub.instance()
        found = orm.User.find(app.db, name)
        if found is None:
            return None
        state = await app.users[found].get_auth_state() or {}
        value = (state.get(auth_state_key) or {}).get(claim)
        return str(value) if value else None

    return email_of
