#!/usr/bin/env python3
"""Stops servers that exceed their own profile's limits: `idle_timeout` (no activity for that long)
and `max_runtime` (started that long ago), e.g. 30 minutes idle and 8 hours for a GPU profile.

jupyterhub-idle-culler knows only hub-wide limits, and the scarce GPUs need tighter ones. Runs as a
hub service (the hub gives it JUPYTERHUB_API_TOKEN) with a role limited to listing users and stopping
servers; the standard library and hub_settings.py beside it only (its jsonschema comes with
JupyterHub), so the hub image needs nothing more.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from hub_settings import load_settings

log = logging.getLogger("profile-culler")


class Stop(NamedTuple):
    user: str
    server: str  # "" is the default server
    reason: str


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def servers_to_stop(
    users: Iterable[Mapping[str, Any]], profiles: Iterable[Mapping[str, Any]], now: datetime
) -> list[Stop]:
    """The servers past their profile's max_runtime or idle_timeout, from the hub's user models."""
    by_slug = {p["slug"]: p for p in profiles}
    default = next((slug for slug, p in by_slug.items() if p.get("default")), None)
    stops = []
    for user in users:
        for name, server in (user.get("servers") or {}).items():
            if server.get("pending") or not server.get("started"):
                continue  # starting or stopping: the hub is still busy with it
            # A spawn without options got the default profile (KubeSpawner's rule).
            slug = (server.get("user_options") or {}).get("profile") or default
            profile = by_slug.get(slug)
            if profile is None:
                continue
            active = server.get("last_activity") or server["started"]
            started, last_activity = parse_time(server["started"]), parse_time(active)
            max_runtime, idle_timeout = profile.get("max_runtime"), profile.get("idle_timeout")
            if max_runtime and now - started >= timedelta(seconds=max_runtime):
                stops.append(
                    Stop(
                        user["name"],
                        name,
                        f"running since {server['started']}, "
                        f"longer than {slug}'s max_runtime of {max_runtime}s",
                    )
                )
            elif idle_timeout and now - last_activity >= timedelta(seconds=idle_timeout):
                stops.append(
                    Stop(
                        user["name"],
                        name,
                        f"idle since {active}, longer than {slug}'s idle_timeout of {idle_timeout}s",
                    )
                )
    return stops


class Hub:
    """The few hub REST calls this needs."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url.rstrip("/"), token

    def request(self, method: str, path: str, accept: str = "application/json") -> Any:
        req = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}", "Accept": accept},
        )
        with urllib.request.urlopen(req, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def active_users(self) -> Iterator[Mapping[str, Any]]:
        # Paginated explicitly: without the header the hub silently returns only the first page.
        offset = 0
        while True:
            path = f"/users?state=active&offset={offset}&limit=200"
            page = self.request("GET", path, accept="application/jupyterhub-pagination+json")
            yield from page["items"]
            following = page["_pagination"].get("next")
            if not following:
                return
            offset = following["offset"]

    def stop(self, stop: Stop) -> None:
        server = f"/servers/{quote(stop.server, safe='')}" if stop.server else "/server"
        self.request("DELETE", f"/users/{quote(stop.user, safe='')}{server}")


def stop_cause(stop: Stop) -> str:
    """The usage accounting's name for why: max-runtime or idle-cull."""
    return "max-runtime" if stop.reason.startswith("running since") else "idle-cull"


def cull_once(hub: Hub, profiles: list[Mapping[str, Any]], note_cause=None) -> list[Stop]:
    users = list(hub.active_users())
    stops = servers_to_stop(users, profiles, datetime.now(timezone.utc))
    for stop in stops:
        log.info("stopping %s/%s: %s", stop.user, stop.server, stop.reason)
        if note_cause:  # usage accounting on: the run's stop gets this cause (usage_accounting.py)
            try:
                note_cause(stop.user, stop.server, stop_cause(stop))
            except Exception:  # the stop matters more than its recorded cause
                log.exception("could not note the cause of stopping %s/%s", stop.user, stop.server)
        hub.stop(stop)
    log.info("checked %d users with servers, stopped %d", len(users), len(stops))
    return stops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("JUPYTERHUB_API_URL"), help="the hub's API URL")
    parser.add_argument(
        "--settings",
        default=os.environ.get("JUPYTERHUB_SETTINGS"),
        help="the hub settings JSON holding the profiles",
    )
    parser.add_argument("--every", type=int, default=60, help="seconds between checks")
    parser.add_argument("--once", action="store_true", help="check once and exit (tests)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="[%(levelname).1s %(asctime)s %(name)s] %(message)s")
    if not args.url or not args.settings:
        parser.error("--url and --settings (or JUPYTERHUB_API_URL and JUPYTERHUB_SETTINGS) are required")
    profiles = load_settings(Path(args.settings))["profiles"]
    hub = Hub(args.url, os.environ["JUPYTERHUB_API_TOKEN"])
    note_cause = None
    if os.environ.get("JUPYTERHUB_USAGE_DB_URL"):  # set by jupyterhub_config.py when usage is on
        import usage_accounting

        usage_db: list[Any] = []

        def note_cause(user: str, server: str, cause: str) -> None:
            if not usage_db or usage_db[0].closed:
                usage_db[:] = [usage_accounting.connect(os.environ["JUPYTERHUB_USAGE_DB_URL"])]
            usage_accounting.request_stop_cause(usage_db[0], user, server, cause)
    # The hub stops its services with SIGINT, then SIGTERM; exit at once even where SIGINT was
    # inherited as ignored (a shell's background job), instead of holding up the hub's shutdown.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: sys.exit(0))
    while True:
        try:
            cull_once(hub, profiles, note_cause)
        except Exception:  # e.g. the hub restarting: that must not end the service
            if args.once:
                raise
            log.exception("check failed; trying again in %ds", args.every)
        if args.once:
            return
        time.sleep(args.every)


if __name__ == "__main__":
    main()
