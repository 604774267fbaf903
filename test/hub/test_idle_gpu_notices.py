"""The idle-GPU notice on a user's hub pages (hub/idle_gpu_notices.py), with a real JupyterHub running
our config with the notifier on (test_real_hub.py's launch_hub): the notifier's own code, with the
token the hub gave its service, puts a notice up and takes it down through the hub's API; the user
sees it on the hub's home and spawn pages, no other user does, and nobody else may put one up.
Servers cannot run here (no cluster), so the "stopped" notice (shown while the server is not running)
is the one seen through the real hub; which notice shows for a running server is tested on the
announcement itself."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from conftest import HUB_DIR, free_port
from test_real_hub import RunningHub, running_hub, signed_in

sys.path.insert(0, str(HUB_DIR))
from idle_gpu_notices import IdleGpuNotices, Notice  # noqa: E402
from idle_gpu_notifier import Notifier  # noqa: E402

STOPPED_TEXT = "was stopped because its GPU (NVIDIA A100 80GB PCIe) stayed idle"


@pytest.fixture(scope="module")
def hub(settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    notifier = {
        "prometheus_url": f"http://127.0.0.1:{free_port()}",  # nothing answers: its rounds fail, logged
        "every": 60,
        "stop_after": 1800,
        "smtp_host": "127.0.0.1",
        "smtp_port": free_port(),
        "smtp_from": "jupyterhub@cps.unileoben.ac.at",
        "smtp_starttls": False,
        "subject": "GPU idle",
        "body": "Hello {user}",
    }
    yield from running_hub({**settings, "idle_gpu_notifier": notifier}, tmp_path_factory)


def service_token(hub: RunningHub, service: str = "idle-gpu-notifier") -> str:
    """The token the hub gave its service (the service's own environment)."""
    admin = signed_in(hub, "admin")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pid = admin.get(f"{hub.url}/hub/api/services", timeout=10).json()[service].get("pid")
        if pid:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            return next(v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"JUPYTERHUB_API_TOKEN="))
        time.sleep(0.3)
    pytest.fail(f"the {service} service did not start:\n{hub.log()}")


def notifier(hub: RunningHub, token: str) -> Notifier:
    return Notifier(api_url=f"{hub.url}/hub/api", token=token, prometheus_url="", send=None)


def home(hub: RunningHub, session: requests.Session, page: str = "home") -> str:
    response = session.get(f"{hub.url}/hub/{page}", timeout=10)
    response.encoding = "utf-8"
    assert response.status_code == 200, response.text
    return response.text


def test_the_notifier_puts_up_a_notice_the_user_sees_on_the_hubs_pages_and_takes_it_down(hub: RunningHub) -> None:
    hpc, student = signed_in(hub, "hpc"), signed_in(hub, "student")
    assert "announcement" not in home(hub, hpc)
    service = notifier(hub, service_token(hub))
    service.show_notice(("hpc", ""), "stopped", "NVIDIA A100 80GB PCIe")
    page = home(hub, hpc)
    assert f"Your server {STOPPED_TEXT}" in page
    assert "announcement alert alert-warning" in page  # JupyterHub's own slot, page.html
    assert STOPPED_TEXT in home(hub, hpc, "spawn")
    assert STOPPED_TEXT not in home(hub, student)
    # An idle notice is for a running server: hpc has none, so none shows.
    service.show_notice(("hpc", "train"), "idle", "NVIDIA A100 80GB PCIe")
    assert "almost unused" not in home(hub, hpc)
    service.show_notice(("hpc", ""), "clear", "")
    assert STOPPED_TEXT not in home(hub, hpc)
    assert "204 PUT /hub/api/idle-gpu-notices/hpc/ (idle-gpu-notifier@" in hub.log()


def test_nobody_else_may_put_up_a_notice(hub: RunningHub) -> None:
    admin = signed_in(hub, "admin")
    for who in ("hpc", "admin"):
        session = signed_in(hub, who)
        token = session.post(
            f"{hub.url}/hub/api/users/{who}/tokens", timeout=10, json={"expires_in": 300, "note": "notice test"}
        ).json()["token"]
        response = requests.put(
            f"{hub.url}/hub/api/idle-gpu-notices/student/",
            headers={"Authorization": f"token {token}"},
            json={"kind": "stopped", "gpu": "GPU"},
            timeout=10,
        )
        assert response.status_code == 403, (who, response.text)
    assert "stopped because" not in home(hub, signed_in(hub, "student"))
    # A bad body from the notifier is refused.
    response = requests.put(
        f"{hub.url}/hub/api/idle-gpu-notices/student/",
        headers={"Authorization": f"token {service_token(hub)}"},
        json={"kind": "gone"},
        timeout=10,
    )
    assert response.status_code == 400
    assert admin  # signed in first, so the services list above was readable


def user(name: str, servers: dict[str, bool]) -> Any:
    """A hub user as the announcement sees it: its servers by name, running or not."""
    spawners = {server: SimpleNamespace(active=active) for server, active in servers.items()}
    return SimpleNamespace(name=name, spawners=spawners, orm_user=SimpleNamespace(orm_spawners=spawners))


def test_the_idle_notice_shows_while_the_server_runs_the_stopped_one_until_it_runs_again() -> None:
    notices = IdleGpuNotices()
    notices.put("alice", "", Notice("idle", "NVIDIA A100 80GB PCIe", stop_at=1800))
    notices.put("alice", "big<run>", Notice("stopped", "NVIDIA A100 80GB PCIe 1g.5gb"))
    shown = notices.announcement(user("alice", {"": True, "big<run>": False}))
    assert shown is not None
    assert "Your server has a GPU (NVIDIA A100 80GB PCIe) that has been almost unused" in shown
    assert "it will be stopped at 00:30 UTC" in shown
    assert "Your server “big&lt;run&gt;” was stopped" in shown  # names are escaped: the slot is HTML
    assert notices.announcement(user("bob", {"": True})) is None
    assert notices.announcement(None) is None
    # The idle server stopped (by the user): its notice hides; the stopped one started again: it goes.
    assert notices.announcement(user("alice", {"": False, "big<run>": True})) is None
    assert ("alice", "big<run>") not in notices.notices
    assert ("alice", "") in notices.notices  # until the notifier takes it down when the alert clears
