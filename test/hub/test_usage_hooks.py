"""Recovery at hub start from the hub's own database (JupyterHub's ORM on sqlite, as its tables are),
into a real PostgreSQL: a server that ran before accounting was on gets a row from its start time, with
its profile, groups and CU/h; a second recovery (the next restart) changes nothing. A stop closes the
run with the cause the stopper recorded and writes an audit line valid against hub/audit.schema.json."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import HUB_DIR
from jsonschema import Draft202012Validator
from jupyterhub import orm
from postgres_server import postgres_server
from usage_accounting import Run, connect, record_start
from usage_hooks import UsageHooks

USAGE = {"full_gpu_per_hour": 8, "time_zone": "Europe/Vienna"}


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def hub_db_with_a_running_server(path: Path, started: datetime) -> str:
    url = f"sqlite:///{path}"
    session = orm.new_session_factory(url)()
    group = orm.Group(name="cpsHPCAccess")
    user = orm.User(name="hpc")
    user.groups.append(group)
    session.add_all([group, user])
    session.commit()
    server = orm.Server()
    session.add(server)
    spawner = orm.Spawner(user=user, name="", server=server, started=started)
    spawner.user_options = {"profile": "mig-1g-5gb"}
    idle = orm.Spawner(user=user, name="stopped", started=started)  # no server: not running
    session.add_all([spawner, idle])
    session.commit()
    session.close()
    return url


def test_recovery_opens_a_row_for_a_running_server_once(
    database_url: str, settings: dict[str, Any], tmp_path: Path
) -> None:
    started = datetime.utcnow().replace(microsecond=0) - timedelta(hours=3)  # the hub stores naive UTC
    hub_url = hub_db_with_a_running_server(tmp_path / "jupyterhub.sqlite", started)
    hooks = UsageHooks(USAGE, settings["profiles"], database_url)
    assert hooks.recover_from_hub_db(hub_url) == {"opened": 1, "closed": 0}
    assert hooks.recover_from_hub_db(hub_url) == {"opened": 0, "closed": 0}
    with hooks.db().cursor() as cur:
        cur.execute(
            "SELECT user_name, server_name, profile, groups, cu_per_hour, resources, started_at AT TIME ZONE 'UTC'"
            " FROM usage.sessions WHERE stopped_at IS NULL"
        )
        rows = cur.fetchall()
    assert len(rows) == 1
    user, server, profile, groups, cost, resources, at = rows[0]
    assert (user, server, profile, groups, cost, at) == ("hpc", "", "mig-1g-5gb", ["cpsHPCAccess"], 1, started)
    assert resources["nvidia.com/mig-1g.5gb"] == "1"
    assert json.dumps(resources)  # the spawner's resources, as stored


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


def test_a_stop_closes_the_run_with_the_cause_and_writes_a_valid_stopped_line(
    database_url: str, settings: dict[str, Any]
) -> None:
    hooks = UsageHooks(USAGE, settings["profiles"], database_url)
    started = datetime.now(timezone.utc) - timedelta(minutes=90)
    record_start(hooks.db(), Run("gina", "gpu", "mig-1g-5gb", ("cpsHPCAccess",), 1, {}, started))
    captured = Lines()
    logging.getLogger("jupyterhub.audit").addHandler(captured)
    try:
        spawner = SimpleNamespace(user=SimpleNamespace(name="gina"), name="gpu", usage_stop_cause="budget")
        hooks.post_stop(spawner)
        hooks.post_stop(spawner)  # a second stop of the same server: nothing open, no line
    finally:
        logging.getLogger("jupyterhub.audit").removeHandler(captured)
    [line] = captured.lines
    assert (line["event"], line["user"], line["server"], line["cause"]) == ("stopped", "gina", "gpu", "budget")
    assert 90 * 60 <= line["runtime_seconds"] < 90 * 60 + 60
    schema = json.loads((HUB_DIR / "audit.schema.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(schema).iter_errors(line))


def test_a_connection_the_database_ended_is_replaced_without_losing_the_call(
    database_url: str, settings: dict[str, Any]
) -> None:
    hooks = UsageHooks(USAGE, settings["profiles"], database_url)
    with hooks.db().cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    killer = connect(database_url)
    with killer.cursor() as cur:  # as a database restart or failover would
        cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
    killer.close()
    started = datetime.now(timezone.utc) - timedelta(hours=1)
    assert hooks.call(record_start, Run("mona", "", "mig-1g-5gb", (), 1, {}, started)) is True
    with hooks.db().cursor() as cur:
        cur.execute("SELECT count(*) FROM usage.sessions WHERE user_name = 'mona'")
        assert cur.fetchone()[0] == 1
