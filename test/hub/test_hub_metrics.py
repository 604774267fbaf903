"""The hub's /hub/metrics for Prometheus (docs/operations.md, "Monitoring"): our config registers the
metrics token from the environment as service `metrics-scraper` with scope read:metrics only; a real
JupyterHub refuses the endpoint without it and serves it with it; and a real Prometheus (v3.5.0,
tools/ensure-promtool.sh) scrapes it with the credentials file the bundled Prometheus uses."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import ROOT, free_port, load_hub_config
from test_real_hub import RunningHub, running_hub

TOKEN = "metrics-token-for-tests-" + "0" * 16


def test_the_token_becomes_a_service_with_read_metrics_only(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTERHUB_METRICS_TOKEN", TOKEN)
    config = load_hub_config(settings_file, JUPYTERHUB_DB_PASSWORD="x")
    scraper = [service for service in config.JupyterHub.services if service["name"] == "metrics-scraper"]
    assert scraper == [{"name": "metrics-scraper", "api_token": TOKEN}]
    role = [role for role in config.JupyterHub.load_roles if role["name"] == "metrics-scraper"]
    assert role == [{"name": "metrics-scraper", "scopes": ["read:metrics"], "services": ["metrics-scraper"]}]
    assert "authenticate_prometheus" not in config.JupyterHub  # JupyterHub's default: on


def test_without_the_token_there_is_no_scraper_service(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JUPYTERHUB_METRICS_TOKEN", raising=False)
    config = load_hub_config(settings_file, JUPYTERHUB_DB_PASSWORD="x")
    assert all(service["name"] != "metrics-scraper" for service in config.JupyterHub.services)


@pytest.fixture(scope="module")
def hub(settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTERHUB_METRICS_TOKEN", TOKEN)  # launch_hub passes the environment on
        yield from running_hub(settings, tmp_path_factory)


def test_a_real_hub_serves_its_metrics_only_to_the_token(hub: RunningHub) -> None:
    url = f"{hub.url}/hub/metrics"
    assert requests.get(url, timeout=10).status_code == 403
    assert requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 403
    answer = requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert answer.status_code == 200
    for name in ("jupyterhub_server_spawn_duration_seconds_bucket", "jupyterhub_running_servers"):
        assert name in answer.text
    # The token opens nothing but the metrics.
    users = requests.get(f"{hub.url}/hub/api/users", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert users.status_code == 403


def prometheus_binary() -> str:
    result = subprocess.run(
        ["bash", "tools/ensure-promtool.sh", "--prometheus"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=20 * 60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_real_prometheus_scrapes_the_real_hub_with_the_token_file(hub: RunningHub, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN, encoding="utf-8")
    host = hub.url.removeprefix("http://")
    # The hub's scrape config as the bundled Prometheus renders it, with a static target for the pod.
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: jupyterhub-hub\n"
        "    metrics_path: /hub/metrics\n"
        f"    authorization: {{type: Bearer, credentials_file: {token_file}}}\n"
        f"    static_configs: [{{targets: ['{host}']}}]\n",
        encoding="utf-8",
    )
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            prometheus_binary(),
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        query = 'jupyterhub_running_servers{job="jupyterhub-hub"} and on() up{job="jupyterhub-hub"} == 1'
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "prometheus.log").read_text()
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/v1/query", params={"query": query}, timeout=2)
                if answer.ok and answer.json()["data"]["result"]:
                    assert answer.json()["data"]["result"][0]["value"][1] == "0"  # no user server runs
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        pytest.fail(f"Prometheus did not scrape the hub:\n{(tmp_path / 'prometheus.log').read_text()}")
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
