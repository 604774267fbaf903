"""Notices on a user's hub pages, in JupyterHub's own announcement slot (page.html's `announcement`
block, on every page of the hub: home, spawn, pending, token, ...).

Each topic is a NoticeBoard with its own notices per (user, server), its text, its API path and its
scope: the idle-GPU notices (idle_gpu_notices.py, put up by the idle-GPU notifier) and the budget
notices (budget_notices.py, put up by the hub's budget check and the budget enforcer). One topic's
notice never replaces or clears another's; the page shows all of them (HubNotices.announcement, a
callable JupyterHub.template_vars entry the hub calls with the signed-in user), so no template of
JupyterHub's is copied or changed.

A hub service reports through the hub's API (JupyterHub.extra_handlers, as the capacity handlers
are), with a custom scope only its role holds:

PUT    /hub/api/<topic>-notices/USER[/SERVER]   the board's JSON body (its `parse`)
DELETE /hub/api/<topic>-notices/USER[/SERVER]   take that server's notice of the topic down

Notices live in the hub's memory: a restart of the hub forgets them (what the services put back is
in their modules).
"""

from __future__ import annotations

from html import escape
from typing import Any

from jupyterhub.apihandlers.base import APIHandler
from tornado import web

Key = tuple[str, str]  # (user, server name; "" is the default server)


def server_phrase(server: str, your: str = "Your") -> str:
    return f"{your} server “{escape(server)}”" if server else f"{your} server"


class NoticeBoard:
    """One topic's notices. A notice has a `kind`; kinds in `while_running` are shown while their
    server runs or starts (kept, hidden, while it does not: their sender takes them down); the others
    are shown while it does not run and go once it runs again (a "stopped" notice has done its job)."""

    topic = ""  # the API's path: /api/<topic>-notices/
    scope = ""
    description = ""
    while_running: frozenset[str] = frozenset()

    def __init__(self) -> None:
        self.notices: dict[Key, Any] = {}

    def __deepcopy__(self, memo: dict) -> NoticeBoard:
        # traitlets deep-copies config values (the handler's arguments, the bound method in
        # template_vars): the handlers, the hub's hooks and the pages must share this one object.
        return self

    def put(self, user: str, server: str, notice: Any) -> None:
        self.notices[(user, server)] = notice

    def clear(self, user: str, server: str) -> None:
        self.notices.pop((user, server), None)

    def parse(self, body: dict[str, Any]) -> Any:
        """The notice a service PUT; ValueError (the expected shape) for a bad body."""
        raise NotImplementedError

    def text(self, server: str, notice: Any) -> str:
        raise NotImplementedError

    def expired(self, notice: Any) -> bool:
        return False

    def lines(self, user: Any) -> list[str]:
        """The signed-in user's notices of this topic that are due, as HTML lines."""
        lines = []
        for (name, server), notice in sorted(self.notices.items(), key=lambda item: item[0]):
            if name != user.name:
                continue
            if self.expired(notice):
                self.clear(name, server)
                continue
            # user.spawners makes a spawner for a name it lacks; the database knows which exist
            spawner = user.spawners[server] if server in user.orm_user.orm_spawners else None
            # running or starting; a server being stopped no longer runs (a "stopped" notice put up
            # while its stop is pending must not go at once)
            running = bool(spawner and spawner.active and getattr(spawner, "pending", None) != "stop")
            if notice.kind not in self.while_running and running:  # started again: done its job
                self.clear(name, server)
            elif running == (notice.kind in self.while_running):
                lines.append(self.text(server, notice))
        return lines

    def announcement(self, user: Any) -> str | None:
        """This topic's notices alone as HTML (page.html shows `announcement` unescaped), or None."""
        return HubNotices([self]).announcement(user)

    def custom_scopes(self) -> dict[str, dict[str, str]]:
        return {self.scope: {"description": self.description}}

    def handlers(self) -> list[tuple[str, type, dict[str, Any]]]:
        return [(rf"/api/{self.topic}-notices/([^/]+)(?:/([^/]*))?", NoticeHandler, {"board": self})]


class HubNotices:
    """The announcement slot's content: every board's notices for the signed-in user."""

    def __init__(self, boards: list[NoticeBoard]) -> None:
        self.boards = boards

    def __deepcopy__(self, memo: dict) -> HubNotices:
        return self

    def announcement(self, user: Any) -> str | None:
        if user is None:
            return None
        return "<br>".join(line for board in self.boards for line in board.lines(user)) or None


class NoticeHandler(APIHandler):
    def initialize(self, board: NoticeBoard) -> None:
        self.board = board

    def check_allowed(self) -> None:
        if self.board.scope not in self.expanded_scopes:
            raise web.HTTPError(403, f"Needs scope {self.board.scope}.")

    @web.authenticated
    async def put(self, user: str, server: str | None = None) -> None:
        self.check_allowed()
        try:
            notice = self.board.parse(self.get_json_body() or {})
        except (ValueError, TypeError) as error:
            raise web.HTTPError(400, str(error)) from None
        self.board.put(user, server or "", notice)
        self.set_status(204)

    @web.authenticated
    async def delete(self, user: str, server: str | None = None) -> None:
        self.check_allowed()
        self.board.clear(user, server or "")
        self.set_status(204)
