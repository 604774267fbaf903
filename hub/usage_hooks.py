"""Usage accounting wired into the hub (jupyterhub_config.py, when the settings have `usage`).

- At hub start (when the config loads): the schema `usage` is made (idempotent) and runs are
  recovered from the hub's own database: a running server without an open row gets one from its
  start time; an open row whose server the hub no longer runs is closed (usage_accounting.recover).
- A start: JupyterHub's server-action event (c.EventLogger.handlers) opens a row with the spawner's
  profile, resources, groups and CU/h.
- A stop: the spawner's post_stop_hook (every stop, also a server found dead) closes it, with the
  cause stop_causes.py noted on the spawner (who asked: user, admin, a service; died), else "stopped".
- Before a spawn: `check` (from check_profile) refuses a start the budget does not cover; a start
  let through with little budget left puts a notice on the user's hub pages (budget_notices.py).

The accounting database is the hub's own (JUPYTERHUB_USAGE_DB_URL overrides it: the tests' hub runs
on sqlite). Accounting never fails a start or stop it records: errors are logged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import psycopg2
import sqlalchemy
import stop_causes
import usage_accounting as accounting
from budget_notices import BudgetNotices, Notice
from profile_access import SpawnRefused
from usage_audit import audit
from usage_budget import budget_for, check_budget, cu, profile_cost

# A child of the hub's own logger: its lines reach the hub's log, also those written while the config loads.
log = logging.getLogger("JupyterHub.usage")



def resources(profile: Mapping[str, Any]) -> dict[str, Any]:
    override = profile["kubespawner_override"]
    found = {"cpu": override.get("cpu_limit"), "memory": override.get("mem_limit")}
    return {**found, **override.get("extra_resource_limits", {})}


def node_of(spawner) -> str | None:
    """The node KubeSpawner's pod runs on, from its pod reflector (None where there is none)."""
    try:
        pod = spawner.pod_reflector.pods.get(f"{spawner.namespace}/{spawner.pod_name}")
        return (pod or {}).get("spec", {}).get("nodeName")
    except Exception:
        return None


def running_spawners(hub_db_url: str) -> list[tuple[str, str, Any, list[str], datetime | None]]:
    """(user, server name, user_options, the user's groups, started) of each spawner with a server, read
    with JupyterHub's own models (the same query on sqlite and PostgreSQL) in one short transaction."""
    from jupyterhub import orm

    running = orm.Spawner.server_id.isnot(None)
    engine = sqlalchemy.create_engine(hub_db_url)
    try:
        if not sqlalchemy.inspect(engine).has_table("spawners"):  # a new hub: nothing runs yet
            return []
        with engine.connect() as hub:
            # JSONDict's column as its JSON text: the type itself would warn that it makes no cache key
            options = sqlalchemy.literal_column(f"{orm.Spawner.__tablename__}.user_options", sqlalchemy.Text)
            spawners = hub.execute(
                sqlalchemy.select(orm.User.name, orm.Spawner.name, options, orm.Spawner.started)
                .join(orm.User, orm.Spawner.user_id == orm.User.id)
                .where(running)
            ).all()
            groups: dict[str, list[str]] = {}
            for user, group in hub.execute(
                sqlalchemy.select(orm.User.name, orm.Group.name)
                .join(orm.User.groups)
                .where(orm.User.id.in_(sqlalchemy.select(orm.Spawner.user_id).where(running)))
            ):
                groups.setdefault(user, []).append(group)
    finally:
        engine.dispose()
    return [
        (user, server, json.loads(options) if options else {}, groups.get(user, []), started)
        for user, server, options, started in spawners
    ]


class UsageHooks:
    def __init__(self, usage: Mapping[str, Any], profiles: list[Mapping[str, Any]], url: str) -> None:
        self.usage, self.url = usage, url
        self.profiles = {p["slug"]: p for p in profiles}
        self.conn = accounting.connect(url)
        accounting.ensure_schema(self.conn)
        self.notices = BudgetNotices()  # the budget notices on users' pages (jupyterhub_config.py shows them)

    def __deepcopy__(self, memo):
        """One instance: traitlets deep-copies config values (post_stop_hook is a bound method)."""
        return self

    def db(self):
        if self.conn.closed:
            self.conn = accounting.connect(self.url)
        return self.conn

    def call(self, function, *args):
        """function(connection, *args), once more on a new connection if the old one broke (the
        database restarted): a lost connection costs no start, stop or check."""
        try:
            return function(self.db(), *args)
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            log.warning("usage: the database connection broke; connecting again")
            self.conn.close()
            return function(self.db(), *args)

    def run(self, user: str, server: str, options: Mapping[str, Any], groups, started: datetime):
        slug = options.get("profile") or ""
        profile = self.profiles.get(slug)
        cost = profile_cost(profile, options, self.usage["full_gpu_per_hour"]) if profile else 0.0
        found = resources(profile) if profile else {}
        return accounting.Run(user, server, slug, tuple(sorted(groups)), cost, found, started)

    def recover_from_hub_db(self, hub_db_url: str) -> dict[str, int]:
        """Recovery from the hub's own state: its spawners with a server are the running ones. Two reads
        of the hub's database whatever the number of servers (not a user and groups load per server);
        the time it took goes to the log."""
        began = time.perf_counter()
        now = accounting.now_utc()
        runs = [
            self.run(user, server or "", options or {}, groups, started.replace(tzinfo=timezone.utc) if started else now)
            for user, server, options, groups, started in running_spawners(hub_db_url)
        ]
        read = time.perf_counter()
        result = self.call(accounting.recover, runs, now)
        done = time.perf_counter()
        log.info(
            "usage: recovered %d runs in %.0f ms (the hub's database %.0f ms, accounting %.0f ms): %s",
            len(runs), (done - began) * 1000, (read - began) * 1000, (done - read) * 1000, result,
        )
        return result

    def on_start(self, username: str, servername: str) -> None:
        from jupyterhub.app import JupyterHub  # the running hub's singleton

        user = JupyterHub.instance().users[username]
        spawner = user.spawners[servername]
        started = spawner.orm_spawner.started or accounting.now_utc()
        if started.tzinfo is None:  # JupyterHub stores naive UTC
            started = started.replace(tzinfo=timezone.utc)
        groups = [group.name for group in user.groups]
        run = self.run(username, servername, spawner.user_options or {}, groups, started)
        self.call(accounting.record_start, run)
        resources = {**run.resources, "node": node_of(spawner)}
        audit("spawned", username, server=servername, profile=run.profile, cu_per_hour=run.cu_per_hour, resources=resources)

    def on_stop_event(self, username: str, servername: str) -> None:
        """The stop event follows post_stop_hook, which closed the row already: nothing to do."""

    def post_stop(self, spawner) -> None:
        cause, by = stop_causes.take(spawner)  # who asked: the requester, died, else stopped (stop_causes.py)
        try:
            name = spawner.name or ""
            closed = self.call(accounting.close_run, spawner.user.name, name, accounting.now_utc(), cause)
            if closed is not None:  # a failed start opened no run: nothing stopped
                runtime, stored = closed
                fields = {"cause": stored, "by": by or None, "runtime_seconds": round(runtime, 3)}
                audit("stopped", spawner.user.name, server=name, **fields)
        except Exception:
            log.exception("usage: recording the stop of %s failed", spawner.user.name)

    def event_handler(self) -> logging.Handler:
        return accounting.ServerActionHandler(self.on_start, self.on_stop_event)

    def check(self, spawner, slug: str, options: Mapping[str, Any]) -> str | None:
        """Refuse (SpawnRefused) a start the month's budget does not cover; a warning when little is left."""
        began = time.perf_counter()
        user = spawner.user
        groups = [group.name for group in user.groups]
        budget = budget_for(user.name, groups, self.usage)
        profile = self.profiles[slug]
        cost = profile_cost(profile, options, self.usage["full_gpu_per_hour"])
        server = spawner.name or ""
        used = None
        if budget is not None:
            now = accounting.now_utc()
            zone = self.usage["time_zone"]
            start, end = accounting.month_bounds(accounting.month_of(now, zone), zone)
            used = round(self.call(accounting.used_cu, user.name, start, end, now), 3)
        fields = {"server": server, "profile": slug, "cu_per_hour": cost, "used_cu": used, "budget_cu": budget}
        audit("spawn-requested", user.name, **fields)
        if budget is None:
            return None
        try:
            warning = check_budget(profile["display_name"], cost, used, budget, self.usage)
        except SpawnRefused as refused:
            audit("refused", user.name, reason=refused.message, **fields)
            raise
        if warning:  # also on the user's pages while the server runs; a start without one takes it down
            spawner.log.warning("usage: %s: %s", user.name, warning)
            low = Notice("low", used, budget, end.timestamp(), profile=profile["display_name"], cost=cost)
            self.notices.put(user.name, server, low)
        else:
            self.notices.clear(user.name, server)
        # What the check adds to a spawn (the month's read and the audit line): npm run class --usage reads it.
        spawner.log.info("usage: budget check for %s on %s: %.2f ms", user.name, slug, (time.perf_counter() - began) * 1000)
        return warning

    def annotate(self, user, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The spawn page's figures (templates/form.html): each card's price, and the budget left."""
        budget = budget_for(user.name, [group.name for group in user.groups], self.usage)
        note = None
        if budget is not None:
            now = accounting.now_utc()
            zone = self.usage["time_zone"]
            start, end = accounting.month_bounds(accounting.month_of(now, zone), zone)
            used = self.call(accounting.used_cu, user.name, start, end, now)
            note = f"{cu(max(0.0, budget - used))} of {cu(budget)} CU left this month"
        for entry in entries:
            profile = self.profiles.get(entry["slug"], {})
            price = f"{cu(float(profile.get('compute_units_per_hour', 0)))} CU/h"
            if "custom_image" in profile:
                price += f", {cu(self.usage['full_gpu_per_hour'])} CU/h per GPU"
            entry["price"] = price
            if note:
                entry["budget_note"] = note
        return entries
