"""The idle-GPU notice on a user's hub pages: what the idle-GPU notifier (idle_gpu_notifier.py) told
the user by email, shown in the hub too, in JupyterHub's own announcement slot (page.html's
`announcement` block, on every page of the hub: home, spawn, pending, token, ...).

The notifier, a hub service, reports through the hub's API (registered with JupyterHub.extra_handlers,
as the capacity handlers are; scope custom:idle-gpu-notices:write, which only its role holds):

PUT    /hub/api/idle-gpu-notices/USER[/SERVER]   {"kind": "idle" | "stopped", "gpu": "...", "stop_at": epoch | null}
DELETE /hub/api/idle-gpu-notices/USER[/SERVER]   the idle period is over

The page reads the notices through a callable template variable (JupyterHub.template_vars calls it
with the signed-in user), so no template of JupyterHub's is copied or changed. An "idle" notice is
shown while its server runs; a "stopped" one while it does not, and goes when the server starts
again. The notices live in the hub's memory, like the notifier's own: a restart of the hub forgets
both (docs/operations.md, "The idle-GPU notifier").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html import escape
from typing import Any

from jupyterhub.apihandlers.base import APIHandler
from tornado import web

SCOPE = "custom:idle-gpu-notices:write"
CUSTOM_SCOPES = {SCOPE: {"description": "Put up and take down the idle-GPU notices on users' hub pages."}}


@dataclass(frozen=True)
class Notice:
    kind: str  # idle: the GPU is idle and the server runs; stopped: the notifier stopped it for that
    gpu: str
    stop_at: float | None = None  # idle: when the notifier will stop the server, if it will


def when(epoch: float) -> str:
    return time.strftime("%H:%M UTC", time.gmtime(epoch))


class IdleGpuNotices:
    def __init__(self) -> None:
        self.notices: dict[tuple[str, str], Notice] = {}

    def __deepcopy__(self, memo: dict) -> IdleGpuNotices:
        # traitlets deep-copies config values (the handler's arguments, the bound method in
        # template_vars): the handler and the pages must share this one object.
        return self

    def put(self, user: str, server: str, notice: Notice) -> None:
        self.notices[(user, server)] = notice

    def clear(self, user: str, server: str) -> None:
        self.notices.pop((user, server), None)

    def text(self, server: str, notice: Notice) -> str:
        which = f"Your server “{escape(server)}”" if server else "Your server"
        gpu = escape(notice.gpu)
        if notice.kind == "stopped":
            return (
                f"{which} was stopped because its GPU ({gpu}) stayed idle. "
                "Your files are kept; start it again when you need the GPU."
            )
        stop = f" If it stays idle, it will be stopped at {when(notice.stop_at)}." if notice.stop_at else ""
        return (
            f"{which} has a GPU ({gpu}) that has been almost unused for a while. GPUs are scarce: "
            f"please stop the server if you do not need it.{stop}"
        )

    def announcement(self, user: Any) -> str | None:
        """The signed-in user's notices as HTML (page.html shows `announcement` unescaped), or None."""
        if user is None:
            return None
        lines = []
        for (name, server), notice in sorted(self.notices.items()):
            if name != user.name:
                continue
            # user.spawners makes a spawner for a name it lacks; the database knows which exist
            spawner = user.spawners[server] if server in user.orm_user.orm_spawners else None
            running = bool(spawner and spawner.active)
            if notice.kind == "stopped" and running:  # started again: the notice has done its job
                self.clear(name, server)
            elif running == (notice.kind == "idle"):
                lines.append(self.text(server, notice))
        return "<br>".join(lines) or None


class NoticeHandler(APIHandler):
    def initialize(self, notices: IdleGpuNotices) -> None:
        self.notices = notices

    def check_allowed(self) -> None:
        if SCOPE not in self.expanded_scopes:
            raise web.HTTPError(403, f"Needs scope {SCOPE} (the idle-GPU notifier's).")

    @web.authenticated
    async def put(self, user: str, server: str | None = None) -> None:
        self.check_allowed()
        body = self.get_json_body() or {}
        kind = body.get("kind")
        if kind not in ("idle", "stopped") or not isinstance(body.get("gpu"), str):
            raise web.HTTPError(400, 'Expected {"kind": "idle" | "stopped", "gpu": "...", "stop_at": epoch | null}.')
        stop_at = body.get("stop_at")
        self.notices.put(user, server or "", Notice(kind, body["gpu"], float(stop_at) if stop_at else None))
        self.set_status(204)

    @web.authenticated
    async def delete(self, user: str, server: str | None = None) -> None:
        self.check_allowed()
        self.notices.clear(user, server or "")
        self.set_status(204)


def notice_handlers(notices: IdleGpuNotices) -> list[tuple[str, type, dict[str, Any]]]:
    return [(r"/api/idle-gpu-notices/([^/]+)(?:/([^/]*))?", NoticeHandler, {"notices": notices})]
