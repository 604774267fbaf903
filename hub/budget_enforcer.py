#!/usr/bin/env python3
"""Stops a running server whose user exhausts the month's budget, after a grace period; opens a run
for a running server whose start was not recorded (the database was unreachable then).

Every `--every` seconds: the hub's active users (REST API, as profile_culler.py), each one's budget
(usage_budget.budget_for) and this month's CU including running servers (usage_accounting.used_cu).
A server of a user at or over budget is warned (an audit line `budget-warning`, once per run) and,
when the grace (`usage.grace_minutes`) has passed since, its run is closed with cause `budget` and
the server stopped. CPU-only profiles are left running unless `usage.grace_cpu_profiles`; grace 0:
never stopped (nor warned). The user sees it on the hub's pages (budget_notices.py): "over", with the
time of the stop, put up again every round with the current figures, and "stopped" after the stop.
When each run was warned is kept in the usage database (budget_warnings.py), so a hub restart, which
restarts this service, neither warns that run again nor starts its grace over.
Runs as a hub service (jupyterhub_config.py) with list:users, read:servers, delete:servers and
custom:budget-notices:write; the database from JUPYTERHUB_USAGE_DB_URL.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import budget_warnings
import usage_accounting as accounting
from hub_settings import load_settings
from profile_culler import Hub, Stop, parse_time
from usage_audit import audit
from usage_budget import budget_for, cu, profile_cost

log = logging.getLogger("budget-enforcer")


class OverBudget(NamedTuple):
    user: str
    server: str
    profile: str
    used: float
    budget: float
    started: datetime | None  # the run: the server's start as the hub reports it


class EnforcerHub(Hub):
    def notice(self, user: str, server: str, body: Mapping[str, Any] | None) -> None:
        """Put up (body) or take down (None) the user's budget notice for the server (budget_notices.py)."""
        request = urllib.request.Request(
            f"{self.url}/budget-notices/{quote(user, safe='')}/{quote(server, safe='')}",
            method="PUT" if body else "DELETE",
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            data=json.dumps(body).encode() if body else None,
        )
        with urllib.request.urlopen(request, timeout=30):
            pass


def over_budget(
    users: Iterable[Mapping[str, Any]],
    usage: Mapping[str, Any],
    profiles: Mapping[str, Mapping[str, Any]],
    used_of,
) -> list[OverBudget]:
    """Running servers the budget rules may stop: their user is at or over budget (used_of(user))."""
    found = []
    for user in users:
        budget = budget_for(user["name"], user.get("groups") or [], usage)
        servers = {k: s for k, s in (user.get("servers") or {}).items() if s.get("ready") and not s.get("pending")}
        if budget is None or not servers:
            continue
        used = used_of(user["name"])
        if used < budget:
            continue
        for name, server in servers.items():
            slug = (server.get("user_options") or {}).get("profile") or ""
            cpu_only = profiles.get(slug, {}).get("gpu", {}).get("kind", "none") == "none"
            if cpu_only and not usage["grace_cpu_profiles"]:
                continue
            started = parse_time(server["started"]) if server.get("started") else None
            found.append(OverBudget(user["name"], name, slug, used, budget, started))
    return found


class Enforcer:
    def __init__(self, hub: Hub, conn, usage: Mapping[str, Any], profiles: list[Mapping[str, Any]]) -> None:
        self.hub, self.conn, self.usage = hub, conn, usage
        self.profiles = {p["slug"]: p for p in profiles}
        budget_warnings.ensure_table(conn)

    def used_of(self, user: str) -> float:
        now = accounting.now_utc()
        zone = self.usage["time_zone"]
        return accounting.used_cu(self.conn, user, *accounting.month_bounds(accounting.month_of(now, zone), zone), now)

    def reconcile(self, users: list[Mapping[str, Any]]) -> int:
        """Open a run for each ready server that has none (its start was not recorded: the database
        was unreachable then), from the server's start time; the number opened."""
        opened = 0
        for user in users:
            for name, server in (user.get("servers") or {}).items():
                if not server.get("ready") or not server.get("started"):
                    continue
                options = server.get("user_options") or {}
                profile = self.profiles.get(options.get("profile") or "")
                cost = profile_cost(profile, options, self.usage["full_gpu_per_hour"]) if profile else 0.0
                groups = tuple(sorted(user.get("groups") or []))
                run = accounting.Run(user["name"], name, options.get("profile") or "", groups, cost, {}, parse_time(server["started"]))
                opened += accounting.record_start(self.conn, run)
        return opened

    def notice(self, key: budget_warnings.Key, body: Mapping[str, Any] | None) -> None:
        """The user's budget notice for the server; a notice the hub did not take only loses the notice."""
        try:
            self.hub.notice(*key, body)
        except (urllib.error.URLError, OSError) as error:
            log.warning("the hub did not take the budget notice for %s: %s", key, error)

    def once(self, now: datetime) -> list[OverBudget]:
        """Reconcile, warn newly exhausted servers, stop those whose grace has passed; return the stopped."""
        users = list(self.hub.active_users())
        if self.reconcile(users):
            log.warning("opened runs for servers whose start was not recorded")
        if self.usage["grace_minutes"] == 0:
            return []
        found = over_budget(users, self.usage, self.profiles, self.used_of)
        warned = budget_warnings.load(self.conn)
        gone = [key for key in warned if key not in {(o.user, o.server) for o in found}]
        budget_warnings.forget(self.conn, gone)  # the run ended, the budget was raised, a new month began
        for key in gone:
            self.notice(key, None)
        zone = self.usage["time_zone"]
        until = accounting.month_bounds(accounting.month_of(now, zone), zone)[1].timestamp()
        grace = timedelta(minutes=self.usage["grace_minutes"])
        stopped = []
        for o in found:
            key, prior = (o.user, o.server), warned.get((o.user, o.server))
            figures = {"used": round(o.used, 3), "budget": o.budget, "until": until}
            fields = {"server": o.server, "profile": o.profile, "used_cu": round(o.used, 3), "budget_cu": o.budget}
            if prior is None or prior.server_started != o.started:  # not warned yet, or a new run
                new, prior = budget_warnings.warn(self.conn, key, o.started, now)
                if new:
                    reason = f"used {cu(o.used)} of {cu(o.budget)} CU this month"
                    stop_at = (now + grace).isoformat(timespec="seconds").replace("+00:00", "Z")
                    audit("budget-warning", o.user, reason=reason, stop_at=stop_at, **fields)
                    log.warning("%s/%s: %s; grace %s", o.user, o.server, reason, grace)
            elif now - prior.warned_at >= grace:
                runtime = accounting.record_stop(self.conn, o.user, o.server, now, "budget")
                self.hub.stop(Stop(o.user, o.server, "budget"))
                audit("stopped", o.user, cause="budget", runtime_seconds=round(runtime or 0, 3), **fields)
                budget_warnings.forget(self.conn, [key])
                self.notice(key, {"kind": "stopped", **figures})
                stopped.append(o)
                continue
            self.notice(key, {"kind": "over", **figures, "stop_at": (prior.warned_at + grace).timestamp()})
        return stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("JUPYTERHUB_API_URL"), help="the hub's API URL")
    parser.add_argument("--settings", default=os.environ.get("JUPYTERHUB_SETTINGS"), help="the hub settings JSON")
    parser.add_argument("--every", type=int, default=60, help="seconds between checks")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="[%(levelname).1s %(asctime)s %(name)s] %(message)s")
    settings = load_settings(Path(args.settings))
    conn = accounting.connect(os.environ["JUPYTERHUB_USAGE_DB_URL"])
    hub = EnforcerHub(args.url, os.environ["JUPYTERHUB_API_TOKEN"])
    enforcer = Enforcer(hub, conn, settings["usage"], settings["profiles"])
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: sys.exit(0))
    while True:
        try:
            enforcer.once(accounting.now_utc())
        except Exception:  # e.g. the hub or the database restarting: that must not end the service
            log.exception("check failed; trying again in %ds", args.every)
            if enforcer.conn.closed:
                enforcer.conn = accounting.connect(os.environ["JUPYTERHUB_USAGE_DB_URL"])
        time.sleep(args.every)


if __name__ == "__main__":
    main()
