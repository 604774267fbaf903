"""The budget enforcer against a real PostgreSQL and a stand-in for the hub's REST API: a GPU server of
a user over budget is warned once, stopped after the grace with its run closed as `budget`; a CPU-only
server keeps running; a user under budget or without one is left alone. A ready server whose start
was not recorded gets its run from its start time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from budget_enforcer import Enforcer
from postgres_server import postgres_server
from usage_accounting import Run, connect, ensure_schema, now_utc, record_start

USAGE: dict[str, Any] = {
    "time_zone": "Europe/Vienna",
    "group_budgets": {"cpsHPCAccess": 10},
    "user_budgets": {},
    "grace_minutes": 30,
    "grace_cpu_profiles": False,
    "full_gpu_per_hour": 8,
}
PROFILES = [
    {"slug": "mig-1g-5gb", "gpu": {"kind": "mig"}, "compute_units_per_hour": 1},
    {"slug": "cpu-default", "gpu": {"kind": "none"}, "compute_units_per_hour": 0.1},
]


class HubStandIn:
    def __init__(self, users: list[dict[str, Any]]) -> None:
        self.users, self.stopped = users, []

    def active_users(self) -> Iterator[dict[str, Any]]:
        yield from self.users

    def stop(self, stop: Any) -> None:
        self.stopped.append((stop.user, stop.server))


def user(name: str, groups: list[str], **servers: str) -> dict[str, Any]:
    running = {server: {"ready": True, "user_options": {"profile": slug}} for server, slug in servers.items()}
    return {"name": name, "groups": groups, "servers": running}


@pytest.fixture
def conn() -> Iterator[Any]:
    with postgres_server() as url:
        connection = connect(url)
        ensure_schema(connection)
        yield connection
        connection.close()


def test_over_budget_gpu_is_warned_then_stopped_after_the_grace_cpu_keeps_running(conn, caplog) -> None:
    now = now_utc()
    # ivan: 11 h of a 1-CU MIG slice running (over his 10 CU); judy: 2 h (under); ken: no budget.
    record_start(conn, Run("ivan", "", "mig-1g-5gb", ("cpsHPCAccess",), 1, {}, now - timedelta(hours=11)))
    record_start(conn, Run("ivan", "cpu", "cpu-default", ("cpsHPCAccess",), 0.1, {}, now - timedelta(hours=11)))
    record_start(conn, Run("judy", "", "mig-1g-5gb", ("cpsHPCAccess",), 1, {}, now - timedelta(hours=2)))
    hub = HubStandIn(
        [
            user("ivan", ["cpsHPCAccess"], **{"": "mig-1g-5gb", "cpu": "cpu-default"}),
            user("judy", ["cpsHPCAccess"], **{"": "mig-1g-5gb"}),
            user("ken", ["jupyter_admin"], **{"": "mig-1g-5gb"}),
        ]
    )
    enforcer = Enforcer(hub, conn, USAGE, PROFILES)
    captured: list[str] = []
    audit_log = logging.getLogger("jupyterhub.audit")
    handler = logging.Handler()
    handler.emit = lambda record: captured.append(record.getMessage())
    audit_log.addHandler(handler)
    try:
        assert enforcer.once(now) == []  # warned, not stopped
        assert enforcer.once(now + timedelta(minutes=29)) == []
        assert [o.server for o in enforcer.once(now + timedelta(minutes=30))] == [""]
    finally:
        audit_log.removeHandler(handler)
    assert hub.stopped == [("ivan", "")]
    assert sum('"event": "budget-warning"' in line for line in captured) == 1
    assert any('"cause": "budget"' in line and '"event": "stopped"' in line for line in captured)
    with conn.cursor() as cur:
        cur.execute("SELECT user_name, server_name, stop_cause FROM usage.sessions WHERE stopped_at IS NOT NULL")
        assert cur.fetchall() == [("ivan", "", "budget")]


def test_a_ready_server_whose_start_was_missed_gets_a_run_from_its_start_time(conn) -> None:
    started = now_utc().replace(microsecond=0) - timedelta(hours=2)
    server = {"ready": True, "started": started.isoformat(), "user_options": {"profile": "mig-1g-5gb"}}
    hub = HubStandIn([{"name": "lena", "groups": ["cpsHPCAccess"], "servers": {"": server}}])
    enforcer = Enforcer(hub, conn, {**USAGE, "grace_minutes": 0}, PROFILES)
    assert enforcer.reconcile(list(hub.active_users())) == 1
    assert enforcer.reconcile(list(hub.active_users())) == 0  # once
    assert enforcer.once(now_utc()) == []  # grace 0: never stops
    with conn.cursor() as cur:
        cur.execute("SELECT user_name, profile, cu_per_hour, started_at FROM usage.sessions WHERE stopped_at IS NULL")
        assert cur.fetchall() == [("lena", "mig-1g-5gb", 1.0, started)]
    assert hub.stopped == []


def test_the_profile_culler_notes_its_cause_before_it_stops_and_stops_even_if_noting_fails() -> None:
    from profile_culler import cull_once

    started = (now_utc() - timedelta(hours=9)).isoformat()
    server = {"ready": True, "started": started, "last_activity": now_utc().isoformat(), "user_options": {"profile": "gpu"}}
    hub = HubStandIn([{"name": "rita", "groups": [], "servers": {"": server}}])
    profiles = [{"slug": "gpu", "max_runtime": 8 * 3600, "default": True}]
    noted: list[tuple[str, str, str]] = []
    cull_once(hub, profiles, lambda *args: noted.append(args))
    assert (noted, hub.stopped) == ([("rita", "", "max-runtime")], [("rita", "")])

    def broken(*_: str) -> None:
        raise OSError("database unreachable")

    cull_once(hub, profiles, broken)
    assert hub.stopped == [("rita", ""), ("rita", "")]
