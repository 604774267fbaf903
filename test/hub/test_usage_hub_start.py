"""What usage accounting costs a hub start (it runs while the config loads, before the hub answers),
against a real PostgreSQL: recovery reads the hub's database and writes the runs in a number of
statements that does not grow with the running servers (it was 6 reads of the hub's database and 1
write per server: 80 servers, 563 round trips), and the schema check takes no lock an open transaction
on the usage tables holds up (CREATE INDEX IF NOT EXISTS waited for any open write, then failed the
start at the statement timeout)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extras
import pytest
import sqlalchemy
from jupyterhub import orm
from postgres_server import postgres_server
from usage_accounting import connect, ensure_schema
from usage_hooks import UsageHooks

USAGE = {"full_gpu_per_hour": 8, "time_zone": "Europe/Vienna"}


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def database_url(server_url: str) -> str:
    """The server, without the schema `usage` (each test starts as a new hub's first start)."""
    with connect(server_url) as conn, conn.cursor() as cur:
        cur.execute("DROP SCHEMA IF EXISTS usage CASCADE")
    return server_url


def hub_db(path: Path, servers: int) -> str:
    """A hub database with `servers` users, each running one server; every third user in no group."""
    url = f"sqlite:///{path}"
    session = orm.new_session_factory(url)()
    groups = [orm.Group(name="cps-students"), orm.Group(name="cpsHPCAccess")]
    started = datetime.utcnow().replace(microsecond=0) - timedelta(hours=1)
    for number in range(servers):
        user = orm.User(name=f"student-{number:03d}")
        if number % 3:
            user.groups.extend(groups[: number % 3])
        server = orm.Server()
        spawner = orm.Spawner(user=user, name="", server=server, started=started)
        spawner.user_options = {"profile": "mig-1g-5gb"}
        session.add_all([user, server, spawner])
    session.commit()
    session.close()
    return url


class Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def recovery_statements(database_url: str, settings: dict[str, Any], hub_url: str) -> tuple[int, int, dict]:
    """(statements to the hub's database, statements to the usage database, result) of one recovery."""
    hooks = UsageHooks(USAGE, settings["profiles"], database_url)
    usage = Statements()
    logger = logging.getLogger(f"test.usage.{id(usage)}")
    logger.addHandler(usage)
    logger.setLevel(logging.DEBUG)
    logged = psycopg2.connect(database_url, connection_factory=psycopg2.extras.LoggingConnection)
    logged.initialize(logger)
    logged.autocommit = True
    hooks.conn = logged
    hub = []
    listener = lambda *args: hub.append(args[2])  # noqa: E731 (the statement)
    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "before_cursor_execute", listener)
    try:
        result = hooks.recover_from_hub_db(hub_url)
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "before_cursor_execute", listener)
        logged.close()
    return len(hub), usage.count, result


def test_recovery_takes_as_many_statements_for_40_servers_as_for_2(
    database_url: str, settings: dict[str, Any], tmp_path: Path
) -> None:
    few = recovery_statements(database_url, settings, hub_db(tmp_path / "few.sqlite", 2))
    with connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("TRUNCATE usage.sessions")
    many = recovery_statements(database_url, settings, hub_db(tmp_path / "many.sqlite", 40))
    assert (few[2], many[2]) == ({"opened": 2, "closed": 0}, {"opened": 40, "closed": 0})
    assert many[0] == few[0]  # the hub's database: has_table, the spawners, their users' groups
    assert many[1] == few[1] == 2  # accounting: one insert of all runs, one read of the open ones
    with connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT user_name, groups, profile, cu_per_hour FROM usage.sessions WHERE stopped_at IS NULL"
            " AND user_name IN ('student-000', 'student-001', 'student-002')"
            " ORDER BY user_name"
        )
        assert cur.fetchall() == [
            ("student-000", [], "mig-1g-5gb", 1),
            ("student-001", ["cps-students"], "mig-1g-5gb", 1),
            ("student-002", ["cps-students", "cpsHPCAccess"], "mig-1g-5gb", 1),
        ]


def test_a_hub_start_is_not_held_up_by_open_transactions_on_the_usage_tables(
    database_url: str, settings: dict[str, Any], tmp_path: Path
) -> None:
    UsageHooks(USAGE, settings["profiles"], database_url)  # the first start makes the schema
    # A reader and a writer left inside their transactions (psycopg2's default: not autocommit).
    reader, writer = psycopg2.connect(database_url), psycopg2.connect(database_url)
    with reader.cursor() as cur:
        cur.execute("SELECT count(*) FROM usage.sessions")
    with writer.cursor() as cur:
        cur.execute(
            "INSERT INTO usage.sessions (user_name, profile, cu_per_hour, started_at) VALUES ('w', 'cpu', 0, now())"
        )
    try:
        began = time.monotonic()
        hooks = UsageHooks(USAGE, settings["profiles"], database_url)  # the next hub start
        assert hooks.recover_from_hub_db(hub_db(tmp_path / "hub.sqlite", 3)) == {"opened": 3, "closed": 0}
        assert time.monotonic() - began < 2.5  # the statement timeout (5 s) would have cancelled a wait
        with hooks.db().cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")
            assert cur.fetchone()[0] == 2  # both still open: nothing waited for them to end
    finally:
        reader.close()
        writer.close()


def test_the_schema_is_made_only_where_something_is_missing(database_url: str) -> None:
    conn = connect(database_url)
    assert ensure_schema(conn) is True
    assert ensure_schema(conn) is False
    with conn.cursor() as cur:
        cur.execute("DROP INDEX usage.sessions_user_start")
    assert ensure_schema(conn) is True
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('usage.sessions_user_start') IS NOT NULL")
        assert cur.fetchone()[0]
    conn.close()
