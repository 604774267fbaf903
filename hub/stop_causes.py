"""Who stopped a server: the cause usage_hooks.post_stop records (usage.sessions, audit line `stopped`).

JupyterHub has no hook that says who asked for a stop, so two of its methods are wrapped (install):

- BaseHandler.stop_single_user: every stop a request asks for goes through it (the stop API, which
  the home page's and the admin page's buttons call, deleting a user, logging out with
  shutdown_on_logout). The requester is the handler's current_user: the server's owner -> `user`,
  another user (an admin) -> `admin`, a service -> its cause (SERVICE_CAUSES), else `service`. It is
  noted on the spawner before the stop begins, so a stop that finishes after the request answered
  (202) keeps it.
- User.stop: every stop ends here. A server whose spawner already reports it gone (the hub's poll
  found it dead, or it vanished while the hub was down) and that nobody asked to stop -> `died`.

Anything else (the hub stopping a server it could not add to the proxy, a blocked user's server)
stays `stopped`. A stopper that knows better (the profile culler's stop request in usage.stop_requests,
the budget enforcer closing the run itself) still wins: usage_accounting.close_run.
"""

from __future__ import annotations

import functools
from typing import Any

# The services in jupyterhub_config.py that stop servers, by name.
SERVICE_CAUSES = {
    "jupyterhub-idle-culler": "idle-cull",
    "budget-enforcer": "budget",
    "idle-gpu-notifier": "idle-gpu",
}


def requester_cause(requester: Any, owner: str) -> tuple[str, str]:
    """(cause, who) for a stop of `owner`'s server asked by `requester` (a user or a service)."""
    name = getattr(requester, "name", None) or ""
    if getattr(requester, "kind", None) == "service":
        return SERVICE_CAUSES.get(name, "service"), f"service:{name}"
    if not name:  # no requester at all: the hub's own doing
        return "stopped", ""
    return ("user" if name == owner else "admin"), name


def note(spawner, cause: str, by: str = "") -> None:
    spawner.usage_stop_cause, spawner.usage_stopped_by = cause, by


def take(spawner) -> tuple[str, str]:
    """The noted (cause, who), cleared: a spawner object can outlive a failed stop and be stopped again."""
    cause = getattr(spawner, "usage_stop_cause", None) or "stopped"
    by = getattr(spawner, "usage_stopped_by", None) or ""
    note(spawner, None, None)
    return cause, by


def install() -> None:
    """Wrap the hub's two stop paths (idempotent: the config may be loaded twice in one process)."""
    from jupyterhub.handlers.base import BaseHandler
    from jupyterhub.user import User

    if getattr(BaseHandler.stop_single_user, "stop_causes", False):
        return
    asked, stop = BaseHandler.stop_single_user, User.stop

    @functools.wraps(asked)
    async def stop_single_user(self, user, server_name=""):
        spawner = dict.get(user.spawners, server_name)  # no new spawner made by looking
        if spawner is None or spawner.pending:  # refused below; a stop under way keeps its cause
            return await asked(self, user, server_name)
        note(spawner, *requester_cause(self.current_user, user.name))
        try:
            return await asked(self, user, server_name)
        except Exception:  # no stop began: a later stop must not inherit this cause
            note(spawner, None, None)
            raise

    @functools.wraps(stop)
    async def user_stop(self, server_name=""):
        spawner = self.spawners[server_name]
        if not getattr(spawner, "usage_stop_cause", None):
            try:
                if await spawner.poll() is not None:  # gone before anyone stopped it
                    note(spawner, "died")
            except Exception:  # the cause is not worth a failed stop; User.stop polls again itself
                pass
        return await stop(self, server_name)

    stop_single_user.stop_causes = user_stop.stop_causes = True
    BaseHandler.stop_single_user, User.stop = stop_single_user, user_stop
