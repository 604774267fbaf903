"""The hub's /hub/metrics for Prometheus (docs/operations.md, "Monitoring"): our config registers the
metrics token from the environment as service `metrics-scraper` with scope read:metrics only; a real
JupyterHub refuses the endpoint without it and serves it with it; and a real Prometheus (v3.5.0,
tools/ensure-promtool.sh) runs the rendered prometheus.yml and rules against the real hub and a
stand-in DCGM exporter (the only stand-in: there is no GPU here), and fires the idle-GPU alert for the
idle GPU and the idle MIG slice, not for the busy GPU."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
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


# What the GPU Operator's DCGM exporter serves (dcp-metrics-included.csv, DCGM_EXPORTER_KUBERNETES=true):
# a full GPU's utilisation in percent, a MIG slice's engine activity as a ratio, the pod holding each.
GPU = (
    'gpu="{gpu}",UUID="GPU-{uuid}",pci_bus_id="00000000:{bus}:00.0",device="nvidia{gpu}",'
    'modelName="NVIDIA A100 80GB PCIe",Hostname="k3s-wk-gpu1",DCGM_FI_DRIVER_VERSION="550.127.05"'
)
POD = 'container="notebook",namespace="jupyterhub",pod="jupyter-{user}"'
DCGM_PAGE = "\n".join(
    [
        "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).",
        "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
        f"DCGM_FI_DEV_GPU_UTIL{{{GPU.format(gpu=0, uuid='a1', bus='17')},{POD.format(user='alice')}}} 3",
        f"DCGM_FI_DEV_GPU_UTIL{{{GPU.format(gpu=1, uuid='b2', bus='65')},{POD.format(user='bob')}}} 97",
        f"DCGM_FI_DEV_GPU_UTIL{{{GPU.format(gpu=2, uuid='c3', bus='ca')}}} 0",
        "# HELP DCGM_FI_PROF_GR_ENGINE_ACTIVE Ratio of time the graphics engine is active.",
        "# TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge",
        "DCGM_FI_PROF_GR_ENGINE_ACTIVE{"
        f'{GPU.format(gpu=3, uuid="d4", bus="e3")},GPU_I_PROFILE="1g.5gb",GPU_I_ID="7",{POD.format(user="carol")}'
        "} 0.02",
        "",
    ]
).encode()


class DcgmStandIn(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(DCGM_PAGE)))
        self.end_headers()
        self.wfile.write(DCGM_PAGE)

    def log_message(self, *args: Any) -> None:
        pass


def rendered(folder: Path, hub_host: str, dcgm_host: str) -> Path:
    """The rendered prometheus.yml (1 s scrapes, idle after 5 s) with static targets for the pods."""
    files = {"hubTokenFile": "hub-token", "serviceAccountTokenFile": "sa-token", "rulesFile": "rules.yaml"}
    paths = {key: str(folder / name) for key, name in files.items()}
    request = {"monitoring": {"scrapeInterval": "1s", "idleGpu": {"duration": "5s"}}, "paths": paths}
    tsx = ROOT / "node_modules" / ".bin" / "tsx"
    command = [str(tsx), "test/support/print-monitoring.ts", json.dumps(request)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    (folder / "hub-token").write_text(TOKEN, encoding="utf-8")
    (folder / "rules.yaml").write_text(output["rules"], encoding="utf-8")
    config = yaml.safe_load(output["prometheusYml"])
    hosts = {"jupyterhub-hub": hub_host, "dcgm-exporter": dcgm_host}  # no proxy or scheduler here
    jobs = [job for job in config["scrape_configs"] if job["job_name"] in hosts]
    for job in jobs:
        del job["kubernetes_sd_configs"], job["relabel_configs"]  # pod discovery: no API server here
        job["static_configs"] = [{"targets": [hosts[job["job_name"]]]}]
    (folder / "prometheus.yml").write_text(yaml.safe_dump({**config, "scrape_configs": jobs}), encoding="utf-8")
    return folder / "prometheus.yml"


def query(port: int, promql: str) -> list[dict[str, Any]]:
    answer = requests.get(f"http://127.0.0.1:{port}/api/v1/query", params={"query": promql}, timeout=2)
    answer.raise_for_status()
    return answer.json()["data"]["result"]


def test_the_rendered_rules_fire_for_the_idle_gpus_of_a_stand_in_dcgm_exporter(
    hub: RunningHub, tmp_path: Path
) -> None:
    dcgm = ThreadingHTTPServer(("127.0.0.1", free_port()), DcgmStandIn)
    threading.Thread(target=dcgm.serve_forever, daemon=True).start()
    config = rendered(tmp_path, hub.url.removeprefix("http://"), f"127.0.0.1:{dcgm.server_port}")
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            prometheus_binary(),
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        idle: set[str] = set()
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "prometheus.log").read_text()
            try:
                firing = query(port, 'ALERTS{alertname="JupyterHubGpuIdle", alertstate="firing"}')
                idle = {alert["metric"]["user"] for alert in firing}
                if idle == {"alice", "carol"}:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        assert idle == {"alice", "carol"}, (tmp_path / "prometheus.log").read_text()
        utilisation = query(port, "jupyterhub:user_gpu_utilization:percent")
        users = {series["metric"]["user"]: float(series["value"][1]) for series in utilisation}
        assert users == {"alice": 3.0, "bob": 97.0, "carol": 2.0}
        assert {series["metric"]["job"] for series in query(port, "up == 1")} == {"jupyterhub-hub", "dcgm-exporter"}
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        dcgm.shutdown()
        dcgm.server_close()
