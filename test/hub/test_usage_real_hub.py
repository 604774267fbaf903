"""Budgets in the real JupyterHub (hub/jupyterhub_config.py with the prod settings plus a usage
block) against a real PostgreSQL: a user with 10 CU left this month, where a start must be covered for
2 hours, starts a MIG 1g.5gb profile (1 CU/h: the check passes, with a warning, and KubeSpawner is
called) and is refused a full GPU (8 CU/h, 16 CU for 2 h) with the used/remaining CU and the price in
the message, before KubeSpawner is called. (With the default minimum of 1 h, 10 CU cover 8 CU/h.)"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import load_hub_config
from jsonschema import Draft202012Validator, FormatChecker
from postgres_server import postgres_server
from test_real_hub import RunningHub, running_hub, signed_in
from usage_accounting import Run, connect, ensure_schema, month_bounds, month_of, now_utc, record_start, record_stop

USAGE = {
    "time_zone": "Europe/Vienna",
    "minimum_hours": 2,
    "warn_below": 20,
    "price_per_unit": 0.5,
    "currency": "EUR",
    "full_gpu_per_hour": 8,
    "group_budgets": {"cpsHPCAccess": 200},
    "user_budgets": {},
    "grace_minutes": 30,
    "grace_cpu_profiles": False,
}


def seed_190_cu(url: str, user: str) -> None:
    """A finished run of `user` this month worth 190 CU."""
    conn = connect(url)
    ensure_schema(conn)
    now = now_utc()
    start, _ = month_bounds(month_of(now, USAGE["time_zone"]), USAGE["time_zone"])
    length = (now - start) / 2
    hours = length / timedelta(hours=1)
    record_start(conn, Run(user, "", "gpu-pytorch-single", ("cpsHPCAccess",), 190 / hours, {}, start))
    record_stop(conn, user, "", start + length, "user")
    conn.close()


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with postgres_server() as url:
        seed_190_cu(url, "hpc")
        yield url


@pytest.fixture(scope="module")
def usage_hub(
    settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> Iterator[RunningHub]:
    yield from running_hub(
        {**settings, "usage": USAGE}, tmp_path_factory, extra_env={"JUPYTERHUB_USAGE_DB_URL": database_url}
    )


def test_with_10_cu_left_a_full_gpu_is_refused_with_used_and_remaining_cu(usage_hub: RunningHub) -> None:
    hpc = signed_in(usage_hub, "hpc")
    response = hpc.post(f"{usage_hub.url}/hub/api/users/hpc/server", json={"profile": "gpu-pytorch-single"}, timeout=30)
    assert response.status_code == 403
    assert response.json()["message"] == (
        "GPU: PyTorch (1×) costs 8 CU/h; you have used 190 of 200 CU this month, 10 left; "
        "a start needs 16 CU (2 h). "
        "Pick a cheaper profile or ask the admins to raise your budget."
    )
    assert not re.search(r"Calling Spawner.start for hpc\b", usage_hub.log())


def test_with_10_cu_left_a_mig_slice_passes_the_budget_check_with_a_warning(usage_hub: RunningHub) -> None:
    hpc = signed_in(usage_hub, "hpc")
    response = hpc.post(f"{usage_hub.url}/hub/api/users/hpc/server", json={"profile": "mig-1g-5gb"}, timeout=30)
    # KubeSpawner.start is called and cannot reach Kubernetes (there is none here): 500, or 202 while it retries.
    assert response.status_code in (202, 500)
    log = usage_hub.log()
    assert re.search(r"Calling Spawner.start for hpc\b", log)
    assert "usage: hpc: GPU: MIG 1g.5gb costs 1 CU/h; you have used 190 of 200 CU this month, 10 left." in log


def test_audit_lines_are_valid_against_their_schema(usage_hub: RunningHub) -> None:
    schema = json.loads((Path(__file__).resolve().parents[2] / "hub" / "audit.schema.json").read_text())
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    lines = [json.loads(line.split("audit: ", 1)[1]) for line in usage_hub.log().splitlines() if line.startswith("audit: ")]
    for line in lines:
        assert not list(validator.iter_errors(line)), line
    events = [(line["event"], line.get("profile")) for line in lines]
    # sign-ins of the two tests above, the refused full GPU, the MIG slice that passed the check
    assert ("login", None) in events
    assert ("spawn-requested", "gpu-pytorch-single") in events
    assert ("refused", "gpu-pytorch-single") in events
    assert ("spawn-requested", "mig-1g-5gb") in events
    refused = next(line for line in lines if line["event"] == "refused")
    assert (refused["used_cu"], refused["budget_cu"], refused["cu_per_hour"]) == (190, 200, 8)


def test_the_hub_logs_how_long_recovery_took_at_its_start(usage_hub: RunningHub) -> None:
    # written while the config loads, before the hub's own logging is set up: it must still reach the log
    assert re.search(r"usage: recovered 0 runs in \d+ ms \(the hub's database \d+ ms, accounting \d+ ms\)", usage_hub.log())


def test_the_budget_enforcer_runs_as_a_service_and_may_list_users(usage_hub: RunningHub) -> None:
    wait = time.monotonic() + 20
    while time.monotonic() < wait and "(budget-enforcer@" not in usage_hub.log():
        time.sleep(0.2)
    log = usage_hub.log()
    assert "Starting service 'budget-enforcer'" in log
    assert re.search(r"200 GET /hub/api/users\?state=\S* \(budget-enforcer@", log)


def test_the_spawn_page_shows_each_cards_price_and_the_budget_left(usage_hub: RunningHub) -> None:
    page = signed_in(usage_hub, "hpc").get(f"{usage_hub.url}/hub/spawn", timeout=10)
    page.encoding = "utf-8"
    assert "Your budget: 10 of 200 CU left this month." in page.text
    card = re.search(r'data-profile-slug="mig-1g-5gb".*?</label>', page.text, re.S)
    assert card and '<span class="cps-card-price">1 CU/h</span>' in card.group(0)
    card = re.search(r'data-profile-slug="gpu-pytorch-dual".*?</label>', page.text, re.S)
    assert card and '<span class="cps-card-price">16 CU/h</span>' in card.group(0)


def test_an_admin_gets_the_months_report_from_the_hub_and_others_get_403(usage_hub: RunningHub) -> None:
    month = month_of(now_utc(), USAGE["time_zone"])
    admin = signed_in(usage_hub, "admin")
    response = admin.get(f"{usage_hub.url}/hub/api/usage", params={"month": month}, timeout=10)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["month"], report["timeZone"], report["pricePerUnit"], report["currency"]) == (
        month, "Europe/Vienna", 0.5, "EUR",
    )
    hpc = next(user for user in report["users"] if user["user"] == "hpc")
    assert hpc["groups"] == ["cpsHPCAccess"]
    assert [p["profile"] for p in hpc["profiles"]] == ["gpu-pytorch-single"]
    assert (hpc["cu"], hpc["cost"]) == (pytest.approx(190, abs=0.001), pytest.approx(95, abs=0.01))
    group = next(g for g in report["groups"] if g["group"] == "cpsHPCAccess")
    assert (group["users"], group["cu"]) == (1, pytest.approx(190, abs=0.001))
    # the current month by default; narrowed by user and group like npm run usage
    assert admin.get(f"{usage_hub.url}/hub/api/usage", timeout=10).json() == report
    narrowed = admin.get(f"{usage_hub.url}/hub/api/usage", params={"month": month, "group": "cps-students"}, timeout=10)
    assert narrowed.json()["users"] == []
    bad = admin.get(f"{usage_hub.url}/hub/api/usage", params={"month": "2026-13"}, timeout=10)
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["message"]
    for name in ("hpc", "student"):
        refused = signed_in(usage_hub, name).get(f"{usage_hub.url}/hub/api/usage", params={"month": month}, timeout=10)
        assert refused.status_code == 403, name
        assert refused.json()["message"] == "Only admins see the usage report."
    # a token an admin hands on with fewer scopes (a server the admin opens gets access:servers) is refused
    made = admin.post(f"{usage_hub.url}/hub/api/users/admin/tokens", json={"scopes": ["access:servers"]}, timeout=10)
    assert made.status_code == 201, made.text
    limited = requests.get(
        f"{usage_hub.url}/hub/api/usage",
        params={"month": month},
        headers={"Authorization": f"token {made.json()['token']}"},
        timeout=10,
    )
    assert limited.status_code == 403 and limited.json()["message"] == "Only admins see the usage report."


def test_with_capacity_on_too_the_hub_serves_both_the_capacity_and_the_usage_handlers(
    settings: dict[str, Any], tmp_path: Path, database_url: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({**settings, "usage": USAGE, "capacity": {**settings["capacity"], "enabled": True}}))
    try:
        config = load_hub_config(
            path, JUPYTERHUB_DB_URL=f"sqlite:///{tmp_path / 'hub.sqlite'}", JUPYTERHUB_USAGE_DB_URL=database_url
        )
    finally:
        os.environ.pop("JUPYTERHUB_USAGE_DB_URL", None)
    routes = [handler[0] for handler in config.JupyterHub.extra_handlers]
    assert routes[0] == "/api/capacity" and "/api/usage" in routes
