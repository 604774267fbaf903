"""Recovery at hub start from the hub's own database (JupyterHub's ORM on sqlite, as its tables are),
into a real PostgreSQL: a server that ran before accounting was on gets a row from its start time, with
its profile, groups and CU/h; a second recovery (the next restart) changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jupyterhub import orm
from postgres_server import postgres_server
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
