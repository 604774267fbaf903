"""Stop causes in the real JupyterHub (hub/stop_causes.py) with usage on a real PostgreSQL: servers
are real local processes (local_spawner.py stands in for Kubernetes), stopped the ways they are in
production, and each stop's usage row and audit line say who stopped it:

- the user's own stop through the stop API with the session cookie (what the home page's button does) -> user
- an admin's stop of another user's server (the admin page calls the same API) -> admin, also when
  the stop outlasts the request and the API answers 202
- the server's process ending by itself, found by the hub's poll -> died
- the real jupyterhub-idle-culler service, with a short timeout, in a second hub -> idle-cull
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker
from postgres_server import postgres_server
from test_real_hub import RunningHub, running_hub, signed_in
from test_usage_real_hub import USAGE
from usage_accounting import connect

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "hub" / "audit.schema.json").read_text())


def wait_for(what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"not within {timeout}s: {what}")


def audit_lines(hub: RunningHub) -> list[dict[str, Any]]:
    return [json.loads(line.split("audit: ", 1)[1]) for line in hub.log().splitlines() if line.startswith("audit: ")]


def stops_of(hub: RunningHub, user: str) -> list[dict[str, Any]]:
    return [line for line in audit_lines(hub) if line["event"] == "stopped" and line["user"] == user]


def ask_start(hub: RunningHub, session: requests.Session, user: str) -> None:
    response = session.post(f"{hub.url}/hub/api/users/{user}/server", json={"profile": "cpu-default"}, timeout=30)
    assert response.status_code in (201, 202), response.text


def start(hub: RunningHub, session: requests.Session, user: str) -> dict[str, Any]:
    """Start `user`'s default server on the CPU profile and wait until the hub has it ready."""
    ask_start(hub, session, user)
    admin = signed_in(hub, "admin")

    def ready():
        server = admin.get(f"{hub.url}/hub/api/users/{user}", timeout=10).json()["servers"].get("")
        return server if server and server["ready"] else None

    return wait_for(f"{user}'s server ready", ready)


def stopped(hub: RunningHub, user: str, count: int) -> dict[str, Any]:
    """The `count`-th stopped line of `user`, once written."""
    try:
        lines = wait_for(f"stop {count} of {user}", lambda: (lambda s: s if len(s) >= count else None)(stops_of(hub, user)))
    except pytest.fail.Exception:
        tail = [line for line in hub.log().splitlines() if not line.startswith("[D")][-40:]
        pytest.fail(f"stop {count} of {user} not audited; the hub's log ends:\n" + "\n".join(tail))
    return lines[count - 1]


def db_causes(url: str, user: str) -> list[str]:
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT stop_cause FROM usage.sessions WHERE user_name = %s ORDER BY id", (user,))
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


def hub_env(database_url: str, **extra: str) -> dict[str, str]:
    return {"JUPYTERHUB_USAGE_DB_URL": database_url, "JUPYTERHUB_TEST_SPAWNER": "local_spawner.LocalSpawner", **extra}


@pytest.fixture(scope="module")
def hub(settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[RunningHub]:
    local = {**settings, "usage": USAGE, "culler": {**settings["culler"], "enabled": False}}
    yield from running_hub(local, tmp_path_factory, extra_env=hub_env(database_url, LOCAL_SPAWNER_SLOW_STOP="hpc"))


def test_a_users_own_stop_is_user_and_an_admins_stop_is_admin(hub: RunningHub, database_url: str) -> None:
    student = signed_in(hub, "student")
    start(hub, student, "student")
    response = student.delete(f"{hub.url}/hub/api/users/student/server", timeout=30)
    assert response.status_code == 204, response.text
    line = stopped(hub, "student", 1)
    assert (line["cause"], line["by"], line["server"]) == ("user", "student", "")

    start(hub, student, "student")
    response = signed_in(hub, "admin").delete(f"{hub.url}/hub/api/users/student/server", timeout=30)
    assert response.status_code == 204, response.text
    line = stopped(hub, "student", 2)
    assert (line["cause"], line["by"]) == ("admin", "admin")
    assert db_causes(database_url, "student")[:2] == ["user", "admin"]


def test_an_admins_stop_that_answers_202_keeps_its_cause(hub: RunningHub, database_url: str) -> None:
    start(hub, signed_in(hub, "hpc"), "hpc")  # hpc's stops take 12 s (LOCAL_SPAWNER_SLOW_STOP)
    response = signed_in(hub, "admin").delete(f"{hub.url}/hub/api/users/hpc/server", timeout=30)
    assert response.status_code == 202, response.text
    assert not stops_of(hub, "hpc")  # still stopping
    line = stopped(hub, "hpc", 1)
    assert (line["cause"], line["by"]) == ("admin", "admin")
    assert db_causes(database_url, "hpc") == ["admin"]


def test_a_server_whose_process_ended_is_died(hub: RunningHub, database_url: str) -> None:
    server = start(hub, signed_in(hub, "student"), "student")
    before = len(stops_of(hub, "student"))
    os.kill(server["state"]["local_pid"], signal.SIGKILL)
    line = stopped(hub, "student", before + 1)
    assert line["cause"] == "died" and "by" not in line
    assert db_causes(database_url, "student")[-1] == "died"


def test_audit_lines_are_valid_against_their_schema(hub: RunningHub) -> None:
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    lines = audit_lines(hub)
    assert [line for line in lines if line["event"] == "stopped"]
    for line in lines:
        assert not list(validator.iter_errors(line)), line


def test_the_hub_wide_idle_culler_stops_are_idle_cull(settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    culler = {**settings["culler"], "enabled": True, "timeout": 3, "every": 1, "max_age": 0, "users": False}
    local = {**settings, "usage": USAGE, "culler": culler}
    # its own database: a hub's recovery at start closes the runs of servers it does not have
    with postgres_server() as url, contextmanager(running_hub)(local, tmp_path_factory, extra_env=hub_env(url)) as culled:
        ask_start(culled, signed_in(culled, "student"), "student")  # idle from the start: culled after 3 s
        line = stopped(culled, "student", 1)  # (not waiting for ready: under load it may be culled first)
        assert ("spawned", "student") in [(spawn["event"], spawn["user"]) for spawn in audit_lines(culled)]
        assert (line["cause"], line["by"]) == ("idle-cull", "service:jupyterhub-idle-culler")
        assert not list(Draft202012Validator(SCHEMA).iter_errors(line))
        assert db_causes(url, "student") == ["idle-cull"]
