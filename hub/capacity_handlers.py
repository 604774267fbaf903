"""The hub's capacity API, served by the hub itself because the figures live in its memory (the watch
cache the spawn check needs too); a JupyterHub service would need a second cache of the cluster.
Registered through JupyterHub.extra_handlers, which JupyterHub 5 marks deprecated with a warning at
start but still serves (docs/architecture.md says why we accept that).

GET    /hub/api/capacity              the signed-in user's cards: free places, why full, when a place
                                      frees, their place in line (the spawn page polls this)
POST   /hub/api/capacity/queue/SLUG   join the line for a full GPU profile
DELETE /hub/api/capacity/queue        leave the line
GET    /hub/api/capacity/queues       admins: every line, with offers
GET    /hub/capacity/spawn-page-capacity.js   the script that draws the figures (static/, versioned URL)
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from jupyterhub.apihandlers.base import APIHandler
from live_capacity import LiveCapacity, ServerLookup, ServerTimes, iso
from profile_access import admin_request, user_access, visible_profiles
from tornado import web

# abspath, not resolve(): ConfigMap files are symlinks into ..data/ (and so is the script).
STATIC_DIR = Path(os.path.abspath(__file__)).parent / "static"
SCRIPT = "spawn-page-capacity.js"


def script_url() -> str:
    """The script's path below the hub's base URL, with its content's hash: cached for good by the browser."""
    digest = hashlib.sha256((STATIC_DIR / SCRIPT).read_bytes()).hexdigest()[:12]
    return f"capacity/{SCRIPT}?v={digest}"


class ScriptHandler(web.StaticFileHandler):
    """Public like the hub's own static files; the URL changes whenever the file does."""

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")


def server_lookup(users) -> ServerLookup:
    """(username, servername) → the server's start, last activity and profile, from the hub's users
    (its UserDict: every user with a server is loaded)."""
    by_name: dict[str, Any] = {}

    def lookup(username: str, servername: str) -> ServerTimes | None:
        if not by_name:  # built on first use: most page views need no server's times
            by_name.update((user.name, user) for user in users.values())
        user = by_name.get(username)
        spawner = user.spawners.get(servername) if user else None
        if spawner is None or spawner.orm_spawner is None:
            return None
        options = spawner.user_options or {}
        return ServerTimes(spawner.orm_spawner.started, spawner.orm_spawner.last_activity, options.get("profile"))

    return lookup


class CapacityBase(APIHandler):
    def initialize(self, capacity: LiveCapacity, profiles: list[dict[str, Any]], admin_groups: frozenset[str]) -> None:
        self.capacity, self.profiles, self.admin_groups = capacity, profiles, admin_groups

    def allowed(self, user) -> list[str]:
        return [p["slug"] for p in visible_profiles(self.profiles, *user_access(user, self.admin_groups))]

    async def cards(self, user) -> dict[str, Any]:
        if not await self.capacity.ready():
            return {"available": False, "profiles": []}
        lookup = server_lookup(self.users)
        admin = user_access(user, self.admin_groups)[1]
        return {
            "available": True,
            "refresh": self.capacity.refresh,
            "profiles": [self.capacity.card(slug, user.name, lookup, admin) for slug in self.allowed(user)],
        }


class CapacityHandler(CapacityBase):
    @web.authenticated
    async def get(self) -> None:
        self.write(json.dumps(await self.cards(self.current_user)))


class QueueHandler(CapacityBase):
    @web.authenticated
    async def post(self, slug: str) -> None:
        user = self.current_user
        if slug not in self.allowed(user):
            raise web.HTTPError(404, f"No profile '{slug}' is available to {user.name}.")
        if not self.capacity.queueable(slug):
            raise web.HTTPError(400, f"There is no line for '{slug}': only GPU profiles have one, when enabled.")
        if not await self.capacity.ready():
            raise web.HTTPError(503, "The cluster's state cannot be read now; try again in a minute.")
        self.capacity.queue.join(user.name, slug)
        self.capacity.tick()  # a place may be free already
        self.write(json.dumps(await self.cards(user)))

    @web.authenticated
    async def delete(self, slug: str = "") -> None:
        self.capacity.queue.leave(self.current_user.name)
        self.capacity.tick()
        self.write(json.dumps(await self.cards(self.current_user)))


class QueuesHandler(CapacityBase):
    @web.authenticated
    async def get(self) -> None:
        if not admin_request(self, self.admin_groups):
            raise web.HTTPError(403, "Only admins see the lines.")
        lines = {
            slug: [
                {"user": w.user, "joined": iso(w.joined), "offer_until": iso(w.offer_until) if w.offer_until else None}
                for w in line
            ]
            for slug, line in self.capacity.queue.lines.items()
        }
        self.write(json.dumps({"enabled": self.capacity.queue_enabled, "lines": lines}))


def capacity_handlers(capacity: LiveCapacity, profiles: list[dict[str, Any]], admin_groups: frozenset[str]):
    args = {"capacity": capacity, "profiles": profiles, "admin_groups": admin_groups}
    return [
        (r"/api/capacity", CapacityHandler, args),
        (r"/api/capacity/queues", QueuesHandler, args),
        (r"/api/capacity/queue/?([^/]*)", QueueHandler, args),
        (rf"/capacity/({SCRIPT.replace('.', r'[.]')})", ScriptHandler, {"path": str(STATIC_DIR)}),
    ]
