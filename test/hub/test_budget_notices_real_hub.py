"""Budget warnings reach the user, in the real JupyterHub (hub/jupyterhub_config.py with usage on, a
real PostgreSQL, servers as real local processes: local_spawner.py stands in for Kubernetes):

- hpc, with 190 of 200 CU used (warnings below 20 CU), starts a MIG slice: the start passes the check
  and the hub's pages show the warning while the server runs.
- hpc's usage then passes the budget: the budget enforcer's own code, with the token the hub gave
  its service, warns (one audit line) and puts up the notice with the stop's time; an enforcer
  started afresh (as after a hub restart) gives no second warning and keeps the stop's time; at the
  end of the grace it stops the server through the hub, closes the run as `budget`, and the page
  says why the server was stopped. The hub's own enforcer service is paused meanwhile (SIGSTOP): it
  looks every minute at the real time, while the test moves its enforcer's clock on.
- nobody but the enforcer may put up a budget notice.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import budget_warnings
import pytest
import requests
from budget_enforcer import Enforcer, EnforcerHub
from budget_notices import when
from jsonschema import Draft202012Validator, FormatChecker
from conftest import load_hub_config
from postgres_server import postgres_server
from test_idle_gpu_notices import home, service_token
from test_real_hub import RunningHub, running_hub, signed_in
from test_stop_causes_real_hub import audit_lines, hub_env, wait_for
from test_usage_real_hub import USAGE, seed_190_cu
from usage_accounting import Run, connect, month_bounds, month_of, now_utc, record_start, record_stop

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "hub" / "audit.schema.json").read_text())


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_server() as url:
        seed_190_cu(url, "hpc")
        yield url


@pytest.fixture(scope="module")
def hub(settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[RunningHub]:
    local = {**settings, "usage": USAGE, "culler": {**settings["culler"], "enabled": False}}
    yield from running_hub(local, tmp_path_factory, extra_env=hub_env(database_url))


def server_of(hub: RunningHub, user: str) -> dict[str, Any] | None:
    return signed_in(hub, "admin").get(f"{hub.url}/hub/api/users/{user}", timeout=10).json()["servers"].get("")


@contextmanager
def paused(hub: RunningHub, service: str) -> Iterator[None]:
    pid = signed_in(hub, "admin").get(f"{hub.url}/hub/api/services", timeout=10).json()[service]["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def seed_15_cu(url: str, user: str) -> None:
    """An earlier run of another server of `user` this month, worth 15 CU: 205 of 200 used."""
    conn = connect(url)
    start, _ = month_bounds(month_of(now_utc(), USAGE["time_zone"]), USAGE["time_zone"])
    record_start(conn, Run(user, "earlier", "mig-1g-5gb", ("cpsHPCAccess",), 15, {}, start))
    record_stop(conn, user, "earlier", start + timedelta(hours=1), "user")
    conn.close()


def test_a_start_with_little_budget_left_shows_the_warning_while_the_server_runs(hub: RunningHub) -> None:
    hpc = signed_in(hub, "hpc")
    response = hpc.post(f"{hub.url}/hub/api/users/hpc/server", json={"profile": "mig-1g-5gb"}, timeout=30)
    assert response.status_code in (201, 202), response.text
    wait_for("hpc's server ready", lambda: (server_of(hub, "hpc") or {}).get("ready"))
    warning = (
        "Your budget is nearly used up: when your server started you had used 190 of 200 CU this month, "
        "10 left; GPU: MIG 1g.5gb costs 1 CU/h."
    )
    assert warning in home(hub, hpc)
    assert warning in home(hub, hpc, "token")  # every hub page (the spawn page redirects to the running server)
    assert "Your budget" not in home(hub, signed_in(hub, "student"))


def test_the_enforcer_warns_keeps_the_grace_across_a_restart_and_stops(hub: RunningHub, database_url: str) -> None:
    hpc = signed_in(hub, "hpc")
    assert (server_of(hub, "hpc") or {}).get("ready")  # from the test above
    token, profiles = service_token(hub, "budget-enforcer"), json.loads(hub.settings_file.read_text())["profiles"]

    def enforcer() -> Enforcer:  # a fresh one: what a hub restart does to the service
        return Enforcer(EnforcerHub(f"{hub.url}/hub/api", token), connect(database_url), USAGE, profiles)

    captured: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: captured.append(record.getMessage())
    logging.getLogger("jupyterhub.audit").addHandler(handler)
    try:
        with paused(hub, "budget-enforcer"):
            seed_15_cu(database_url, "hpc")
            now = now_utc()
            assert enforcer().once(now) == []
            stop = when((now + timedelta(minutes=USAGE["grace_minutes"])).timestamp())
            page = home(hub, hpc)
            over = rf"Your budget for this month is used up: 205(\.\d)? of 200 CU\. Your server will be stopped at {stop}; your files are kept\."
            assert re.search(over, page)
            assert "nearly used up" not in page  # the enforcer's notice replaced the start's
            assert enforcer().once(now + timedelta(minutes=29)) == []  # restarted: no second warning, the same stop
            assert re.search(over, home(hub, hpc))
            assert [o.user for o in enforcer().once(now + timedelta(minutes=30))] == ["hpc"]
            wait_for("hpc's server stopped", lambda: server_of(hub, "hpc") is None)
            stopped = r"Your server was stopped because your budget for this month is used up \(205(\.\d)? of 200 CU\)\. Your files are kept\."
            assert re.search(stopped, home(hub, hpc))
    finally:
        logging.getLogger("jupyterhub.audit").removeHandler(handler)
    lines = [json.loads(line) for line in captured]
    assert [line["event"] for line in lines] == ["budget-warning", "stopped"]
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    for line in lines + audit_lines(hub):
        assert not list(validator.iter_errors(line)), line
    conn = connect(database_url)
    with conn.cursor() as cur:
        cur.execute("SELECT stop_cause FROM usage.sessions WHERE user_name = 'hpc' AND server_name = '' ORDER BY id")
        assert cur.fetchall()[-1] == ("budget",)
    assert budget_warnings.load(conn) == {}
    assert re.search(r"204 PUT /hub/api/budget-notices/hpc/ \(budget-enforcer@", hub.log())


def test_nobody_but_the_enforcer_may_put_up_a_budget_notice(hub: RunningHub) -> None:
    body = {"kind": "stopped", "used": 1, "budget": 1, "until": 4102444800}
    for who in ("hpc", "admin"):
        session = signed_in(hub, who)
        token = session.post(
            f"{hub.url}/hub/api/users/{who}/tokens", timeout=10, json={"expires_in": 300, "note": "notice test"}
        ).json()["token"]
        url = f"{hub.url}/hub/api/budget-notices/student/"
        response = requests.put(url, headers={"Authorization": f"token {token}"}, json=body, timeout=10)
        assert response.status_code == 403, (who, response.text)
    assert "budget" not in home(hub, signed_in(hub, "student"))
    enforcer = {"Authorization": f"token {service_token(hub, 'budget-enforcer')}"}
    bad = requests.put(f"{hub.url}/hub/api/budget-notices/student/", headers=enforcer, json={"kind": "low"}, timeout=10)
    assert bad.status_code == 400 and "Expected" in bad.json()["message"]


def test_with_the_idle_gpu_notifier_on_too_both_topics_are_served_each_with_its_scope(
    settings: dict[str, Any], tmp_path: Path, database_url: str
) -> None:
    notifier = {"prometheus_url": "http://127.0.0.1:1", "every": 60, "stop_after": 0, "smtp_host": "127.0.0.1",
                "smtp_port": 25, "smtp_from": "hub@example.org", "smtp_starttls": False}
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({**settings, "usage": USAGE, "idle_gpu_notifier": notifier}))
    try:
        config = load_hub_config(
            path, JUPYTERHUB_DB_URL=f"sqlite:///{tmp_path / 'hub.sqlite'}", JUPYTERHUB_USAGE_DB_URL=database_url
        )
    finally:
        os.environ.pop("JUPYTERHUB_USAGE_DB_URL", None)
    routes = [handler[0] for handler in config.JupyterHub.extra_handlers]
    assert r"/api/idle-gpu-notices/([^/]+)(?:/([^/]*))?" in routes
    assert r"/api/budget-notices/([^/]+)(?:/([^/]*))?" in routes
    assert set(config.JupyterHub.custom_scopes) == {"custom:idle-gpu-notices:write", "custom:budget-notices:write"}
    roles = {role["name"]: set(role["scopes"]) for role in config.JupyterHub.load_roles}
    assert "custom:budget-notices:write" in roles["budget-enforcer"]
    assert "custom:budget-notices:write" not in roles["idle-gpu-notifier"]
    assert "custom:idle-gpu-notices:write" not in roles["budget-enforcer"]
    announcement = config.JupyterHub.template_vars["announcement"]
    assert [type(board).__name__ for board in announcement.__self__.boards] == ["IdleGpuNotices", "BudgetNotices"]
