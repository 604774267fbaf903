"""The admins' usage page in the real JupyterHub (hub/usage_page.py, /hub/usage) against a real
PostgreSQL seeded with a finished run of 190 CU this month: an admin sees the month's figures in the
hub's own page (nav bar with a Usage link), the current month by default, a CSV download identical to
`npm run usage -- --csv` (usage/format.ts, run here with tsx); anyone else gets 403 and no link."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from postgres_server import postgres_server
from test_real_hub import RunningHub, running_hub, signed_in
from test_usage_real_hub import USAGE, seed_190_cu
from usage_accounting import month_of, now_utc
from usage_page import fixed, report_csv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def page_hub(settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    with postgres_server() as url:
        seed_190_cu(url, "hpc")
        yield from running_hub({**settings, "usage": USAGE}, tmp_path_factory, extra_env={"JUPYTERHUB_USAGE_DB_URL": url})


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_an_admin_sees_the_months_figures_in_the_hubs_page(page_hub: RunningHub) -> None:
    month = month_of(now_utc(), USAGE["time_zone"])
    page = signed_in(page_hub, "admin").get(f"{page_hub.url}/hub/usage", params={"month": month}, timeout=10)
    assert page.status_code == 200, page.text
    html = page.text
    assert f"<h1>Usage in {month}</h1>" in html
    assert f'value="{month}"' in html and 'type="month"' in html
    assert "Europe/Vienna; 0.5 EUR per compute unit" in html
    # JupyterHub's page around it: its nav bar, with the admin's links and ours
    assert re.search(r'href="/hub/home">Home</a>', html) and re.search(r'href="/hub/admin">Admin</a>', html)
    assert re.search(r'href="/hub/usage">Usage</a>', html)
    total = re.search(r'<tr class="fw-bold" data-user="hpc">(.*?)</tr>', html, re.S)
    assert total, html
    label, hours, cu, cost = cells(total.group(1))[2:]  # the hours depend on the day of the month (seed_190_cu)
    assert (label, cu, cost) == ("Total", "190.0", "95.00") and float(hours) > 0
    profile_row = re.search(r"<tr>\s*<td>hpc</td>(.*?)</tr>", html, re.S)
    assert profile_row and cells(profile_row.group(1))[:2] == ["cpsHPCAccess", "gpu-pytorch-single"]
    assert cells(profile_row.group(1))[3:] == ["190.0", "95.00"]
    group = re.search(r'<tr data-group="cpsHPCAccess">(.*?)</tr>', html, re.S)
    assert group and cells(group.group(1)) == ["cpsHPCAccess", "1", hours, "190.0", "95.00"]
    # without a month: the current one; another month: nothing recorded
    default = signed_in(page_hub, "admin").get(f"{page_hub.url}/hub/usage", timeout=10)
    assert f"<h1>Usage in {month}</h1>" in default.text
    empty = signed_in(page_hub, "admin").get(f"{page_hub.url}/hub/usage", params={"month": "2020-01"}, timeout=10)
    assert "No usage recorded." in empty.text


def test_the_csv_download_is_npm_run_usages_csv(page_hub: RunningHub) -> None:
    admin = signed_in(page_hub, "admin")
    month = month_of(now_utc(), USAGE["time_zone"])
    csv = admin.get(f"{page_hub.url}/hub/usage", params={"month": month, "format": "csv"}, timeout=10)
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert f'filename="usage-{month}.csv"' in csv.headers["Content-Disposition"]
    report = admin.get(f"{page_hub.url}/hub/api/usage", params={"month": month}, timeout=10).text
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    script = (
        'import { reportCsv } from "./usage/format.ts"; let s = "";'
        "process.stdin.on('data', (d) => (s += d)).on('end', () => process.stdout.write(reportCsv(JSON.parse(s))));"
    )
    expected = subprocess.run([str(tsx), "-e", script], cwd=ROOT, input=report, capture_output=True, text=True, timeout=120)
    assert expected.returncode == 0, expected.stderr
    assert csv.text == expected.stdout
    assert csv.text.splitlines()[1].startswith(f"{month},hpc,cpsHPCAccess,gpu-pytorch-single,")
    # a script's download: the API with an admin's token (a page takes only the browser's cookie)
    token = admin.post(f"{page_hub.url}/hub/api/users/admin/tokens", json={"note": "usage csv"}, timeout=10).json()["token"]
    headers = {"Authorization": f"token {token}"}
    scripted = requests.get(f"{page_hub.url}/hub/api/usage", params={"month": month, "format": "csv"}, headers=headers, timeout=10)
    assert scripted.status_code == 200 and scripted.headers["Content-Type"].startswith("text/csv")
    assert scripted.text == csv.text


def test_others_get_403_and_no_link(page_hub: RunningHub) -> None:
    for name in ("hpc", "student"):
        session = signed_in(page_hub, name)
        refused = session.get(f"{page_hub.url}/hub/usage", timeout=10)
        assert refused.status_code == 403, name
        assert "Only admins see the usage report." in refused.text
        home = session.get(f"{page_hub.url}/hub/home", timeout=10)
        assert home.status_code == 200 and 'href="/hub/usage"' not in home.text


def test_a_bad_month_is_400(page_hub: RunningHub) -> None:
    bad = signed_in(page_hub, "admin").get(f"{page_hub.url}/hub/usage", params={"month": "2026-13"}, timeout=10)
    assert bad.status_code == 400 and "YYYY-MM" in bad.text


def test_the_csv_rounds_as_javascripts_to_fixed() -> None:
    assert (fixed(0.125, 2), fixed(0.0625, 3), fixed(2.5, 0), fixed(190, 1)) == ("0.13", "0.063", "3", "190.0")
    report = {"month": "2026-11", "pricePerUnit": 0.5, "currency": "EUR", "users": [
        {"user": "a,b", "groups": ["g1", "g2"], "profiles": [{"profile": 'p"q', "hours": 1.5, "cu": 0.25}]},
    ]}
    assert report_csv(report) == 'month,user,groups,profile,hours,cu,cost,currency\n2026-11,"a,b",g1 g2,"p""q",1.500,0.250,0.13,EUR\n'
