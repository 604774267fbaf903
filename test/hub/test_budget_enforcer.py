"""The budget enforcer against a real PostgreSQL and a stand-in for the hub's REST API: a GPU server of
a user over budget is warned once, stopped after the grace with its run closed as `budget`; a CPU-only
server keeps running; a user under budget or without one is left alone; the user's budget notice
("over" with the stop's time, then "stopped") is put up through the hub's API. When each run was
warned is kept in usage.budget_warnings: a restarted enforcer neither warns the run again nor starts
its grace over; a new run is warned anew; rows go with their runs. A ready server whose start was not
recorded gets its run from its start time. (The usage database is PostgreSQL only: usage_accounting.py.)"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import budget_warnings
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
        self.notices: list[tuple[str, str, dict[str, Any] | None]] = []

    def notice(self, user: str, server: str, body: dict[str, Any] | None) -> None:
        self.notices.append((user, server, body))

    def active_users(self) -> Iterator[dict[str, Any]]:
        yield from self.users

    def stop(self, stop: Any) -> None:
        self.stopped.append((stop.user, stop.server))


def user(name: str, groups: list[str], started: str | None = None, **servers: str) -> dict[str, Any]:
    running = {
        server: {"ready": True, "user_options": {"profile": slug}, **({"started": started} if started else {})}
        for server, slug in servers.items()
    }
    return {"name": name, "groups": groups, "servers": running}


@contextmanager
def audit_lines() -> Iterator[list[str]]:
    captured: list[str] = []
    audit_log = logging.getLogger("jupyterhub.audit")
    handler = logging.Handler()
    handler.emit = lambda record: captured.append(record.getMessage())
    audit_log.addHandler(handler)
    try:
        yield captured
    finally:
        audit_log.removeHandler(handler)


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
    with audit_lines() as captured:
        assert enforcer.once(now) == []  # warned, not stopped
        assert enforcer.once(now + timedelta(minutes=29)) == []
        assert [o.server for o in enforcer.once(now + timedelta(minutes=30))] == [""]
    assert hub.stopped == [("ivan", "")]
    # ivan's notice: "over" each round with the stop's time, then "stopped"; nobody else's
    kinds = [(u, s, body["kind"], body.get("stop_at")) for u, s, body in hub.notices if body]
    stop_at = (now + timedelta(minutes=30)).timestamp()
    assert kinds == [("ivan", "", "over", stop_at), ("ivan", "", "over", stop_at), ("ivan", "", "stopped", None)]
    assert hub.notices[0][2]["budget"] == 10 and hub.notices[0][2]["used"] == pytest.approx(12.1, abs=0.01)
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


def test_a_restarted_enforcer_keeps_the_grace_and_gives_no_second_warning_for_the_run(conn) -> None:
    now = now_utc()
    started = (now - timedelta(hours=11)).isoformat()
    record_start(conn, Run("ivan", "", "mig-1g-5gb", ("cpsHPCAccess",), 1, {}, now - timedelta(hours=11)))
    hub = HubStandIn([user("ivan", ["cpsHPCAccess"], started, **{"": "mig-1g-5gb"})])
    with audit_lines() as captured:
        assert Enforcer(hub, conn, USAGE, PROFILES).once(now) == []
        # a hub restart restarts the service: a new enforcer, the same database
        restarted = Enforcer(hub, conn, USAGE, PROFILES)
        assert restarted.once(now + timedelta(minutes=20)) == []
        assert [o.user for o in restarted.once(now + timedelta(minutes=30))] == ["ivan"]
    assert sum('"event": "budget-warning"' in line for line in captured) == 1
    assert hub.stopped == [("ivan", "")]
    # the restarted enforcer's notice keeps the first warning's stop time
    assert [body["stop_at"] for _, _, body in hub.notices if body and body["kind"] == "over"] == [
        (now + timedelta(minutes=30)).timestamp()
    ] * 2
    assert budget_warnings.load(conn) == {}  # the run ended with the stop: its row went


def test_a_new_run_is_warned_anew_and_rows_go_when_the_server_is_no_longer_over_budget(conn) -> None:
    now = now_utc()
    record_start(conn, Run("ivan", "", "mig-1g-5gb", ("cpsHPCAccess",), 1, {}, now - timedelta(hours=11)))
    first = (now - timedelta(hours=11)).isoformat()
    hub = HubStandIn([user("ivan", ["cpsHPCAccess"], first, **{"": "mig-1g-5gb"})])
    enforcer = Enforcer(hub, conn, USAGE, PROFILES)
    with audit_lines() as captured:
        enforcer.once(now)
        # the server was stopped and started again between two rounds (another run): warned again
        hub.users = [user("ivan", ["cpsHPCAccess"], (now - timedelta(minutes=1)).isoformat(), **{"": "mig-1g-5gb"})]
        assert enforcer.once(now + timedelta(minutes=20)) == []
    assert sum('"event": "budget-warning"' in line for line in captured) == 2
    assert budget_warnings.load(conn)[("ivan", "")].warned_at == now + timedelta(minutes=20)
    # the budget raised (or a new month): no longer over budget, the row and the notice go
    enforcer.usage = {**USAGE, "user_budgets": {"ivan": 100}}
    assert enforcer.once(now + timedelta(minutes=40)) == []
    assert budget_warnings.load(conn) == {}
    assert hub.notices[-1] == ("ivan", "", None)
    assert hub.stopped == []


def test_two_enforcers_warning_the_same_run_at_once_give_one_warning(conn) -> None:
    budget_warnings.ensure_table(conn)
    key, started = ("ivan", ""), datetime.fromisoformat("2026-11-30T08:00:00+00:00")
    at = datetime.fromisoformat("2026-11-30T10:00:00+00:00")
    assert budget_warnings.warn(conn, key, started, at) == (True, budget_warnings.Warned(started, at))
    # the other one loaded the table before the first wrote: its warning does not stand
    later = at + timedelta(seconds=1)
    assert budget_warnings.warn(conn, key, started, later) == (False, budget_warnings.Warned(started, at))
    assert budget_warnings.warn(conn, key, None, later) == (True, budget_warnings.Warned(None, later))  # another run
    budget_warnings.forget(conn, [key, ("nobody", "x")])
    assert budget_warnings.load(conn) == {}
