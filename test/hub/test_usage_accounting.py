"""Usage accounting against a real PostgreSQL (Debian's, started per module): the schema is made
idempotently, runs are opened once and closed once, a run across a month boundary is split at local
midnight (Europe/Vienna), running servers count up to now, and a hub restart loses no minutes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from postgres_server import postgres_server
from usage_accounting import (
    Run,
    close_run,
    connect,
    ensure_schema,
    month_bounds,
    now_utc,
    record_start,
    record_stop,
    recover,
    request_stop_cause,
    usage_by_profile,
    used_cu,
)

VIENNA = ZoneInfo("Europe/Vienna")


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def conn(database_url: str):
    connection = connect(database_url)
    ensure_schema(connection)
    with connection.cursor() as cur:
        cur.execute("TRUNCATE usage.sessions, usage.stop_requests")
    yield connection
    connection.close()


def run(user: str, profile: str, cu: float, started: datetime, server: str = "") -> Run:
    return Run(user, server, profile, ("cps-students",), cu, {"nvidia.com/mig-1g.5gb": "1"}, started)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=VIENNA)


def test_the_schema_is_made_twice_without_harm(conn) -> None:
    ensure_schema(conn)
    ensure_schema(conn)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'usage'")
        assert cur.fetchone()[0] == 2


def test_a_server_has_one_open_run_and_a_stop_closes_it_once(conn) -> None:
    assert record_start(conn, run("alice", "mig-1g-5gb", 1, local(2026, 11, 2, 9)))
    assert not record_start(conn, run("alice", "mig-1g-5gb", 1, local(2026, 11, 2, 10)))
    assert record_start(conn, run("alice", "cpu-default", 0.1, local(2026, 11, 2, 9), server="second"))
    assert record_stop(conn, "alice", "", local(2026, 11, 2, 12, 30), "user") == 3.5 * 3600  # runtime
    assert record_stop(conn, "alice", "", local(2026, 11, 2, 13), "user") is None
    start, end = month_bounds("2026-11", "Europe/Vienna")
    # 3.5 h of MIG 1g.5gb at 1 CU/h; the second server, still running at 13:00, 4 h at 0.1 CU/h
    assert used_cu(conn, "alice", start, end, now=local(2026, 11, 2, 13)) == pytest.approx(3.5 + 0.4)


def test_a_run_across_the_month_boundary_is_split_at_local_midnight(conn) -> None:
    # 30 October 22:00 to 2 November 01:30, Vienna; the clocks went back on 25 October, so CET (UTC+1)
    # throughout: October gets 26 h (2 h of the 30th, 24 h of the 31st), November 25.5 h.
    record_start(conn, run("bob", "gpu-pytorch-single", 8, local(2026, 10, 30, 22)))
    record_stop(conn, "bob", "", local(2026, 11, 2, 1, 30), "idle-cull")
    now = local(2026, 12, 1, 12)
    october = used_cu(conn, "bob", *month_bounds("2026-10", "Europe/Vienna"), now=now)
    november = used_cu(conn, "bob", *month_bounds("2026-11", "Europe/Vienna"), now=now)
    assert october == pytest.approx(26 * 8)
    assert november == pytest.approx(25.5 * 8)
    assert october + november == pytest.approx(51.5 * 8)  # nothing lost or counted twice
    # Boundaries are local: 31 October 23:30 UTC is already November in Vienna.
    assert month_bounds("2026-11", "Europe/Vienna")[0] == datetime(2026, 10, 31, 23, tzinfo=timezone.utc)


def test_a_server_still_running_counts_up_to_now_and_into_the_next_month(conn) -> None:
    record_start(conn, run("carol", "mig-2g-10gb", 2, local(2026, 11, 30, 20)))
    # At 1 December 02:00 the run is open: 4 h in November, 2 h in December so far.
    now = local(2026, 12, 1, 2)
    assert used_cu(conn, "carol", *month_bounds("2026-11", "Europe/Vienna"), now=now) == pytest.approx(8)
    assert used_cu(conn, "carol", *month_bounds("2026-12", "Europe/Vienna"), now=now) == pytest.approx(4)


def test_a_hub_restart_loses_no_minutes(conn, database_url: str) -> None:
    started = local(2026, 11, 10, 8)
    record_start(conn, run("dave", "mig-1g-5gb", 1, started))
    conn.close()
    # The hub restarts at 10:00: a new connection, the schema made again, and recovery from the hub's
    # state: dave's server still runs (kept open, not reopened), erin's started before accounting was
    # on (opened from the hub's start time), frank's row is open but the hub runs no such server.
    again = connect(database_url)
    ensure_schema(again)
    record_start(again, run("frank", "cpu-default", 0.1, local(2026, 11, 10, 7)))
    result = recover(
        again,
        [run("dave", "mig-1g-5gb", 1, started), run("erin", "mig-1g-5gb", 1, local(2026, 11, 10, 9))],
        at=local(2026, 11, 10, 10),
    )
    assert result == {"opened": 1, "closed": 1}
    record_stop(again, "dave", "", local(2026, 11, 10, 12, 15), "user")
    month = month_bounds("2026-11", "Europe/Vienna")
    now = local(2026, 11, 10, 13)
    assert used_cu(again, "dave", *month, now=now) == pytest.approx(4.25)  # 08:00-12:15, unbroken
    assert used_cu(again, "erin", *month, now=now) == pytest.approx(4)  # 09:00 to now
    assert used_cu(again, "frank", *month, now=now) == pytest.approx(0.3)  # 07:00-10:00
    again.close()


def test_usage_by_profile_gives_hours_and_cu_per_user_and_profile(conn) -> None:
    record_start(conn, run("alice", "cpu-default", 0.1, local(2026, 11, 3, 8)))
    record_stop(conn, "alice", "", local(2026, 11, 4, 9), "user")  # 25 h
    record_start(conn, run("alice", "gpu-pytorch-single", 8, local(2026, 11, 5, 8)))
    record_stop(conn, "alice", "", local(2026, 11, 5, 8) + timedelta(hours=40), "max-runtime")
    rows = usage_by_profile(conn, *month_bounds("2026-11", "Europe/Vienna"), now=local(2026, 12, 1))
    assert [(r["user"], r["profile"], r["hours"], r["cu"]) for r in rows] == [
        ("alice", "cpu-default", pytest.approx(25), pytest.approx(2.5)),
        ("alice", "gpu-pytorch-single", pytest.approx(40), pytest.approx(320)),
    ]
    assert rows[0]["groups"] == ["cps-students"]


def test_a_run_reopened_from_the_servers_start_counts_no_minute_twice(conn) -> None:
    # The enforcer closed the run at 10:00 but the stop failed; the server ran on and is reopened from
    # its start time (08:00): the new run begins at 10:00.
    record_start(conn, run("olga", "mig-1g-5gb", 1, local(2026, 11, 12, 8)))
    record_stop(conn, "olga", "", local(2026, 11, 12, 10), "budget")
    assert record_start(conn, run("olga", "mig-1g-5gb", 1, local(2026, 11, 12, 8)))
    month = month_bounds("2026-11", "Europe/Vienna")
    assert used_cu(conn, "olga", *month, now=local(2026, 11, 12, 11)) == pytest.approx(3)


def test_a_stop_takes_the_cause_a_stopper_noted_shortly_before(conn) -> None:
    record_start(conn, run("pia", "mig-1g-5gb", 1, local(2026, 11, 12, 8)))
    record_start(conn, run("quinn", "mig-1g-5gb", 1, local(2026, 11, 12, 8)))
    request_stop_cause(conn, "pia", "", "idle-cull")  # the profile culler, just before its DELETE
    assert close_run(conn, "pia", "", now_utc(), "stopped")[1] == "idle-cull"
    assert close_run(conn, "quinn", "", now_utc(), "stopped")[1] == "stopped"  # nobody said why
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM usage.stop_requests")
        assert cur.fetchone()[0] == 0  # used up
