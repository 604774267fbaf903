"""A real JupyterHub (the hub image's versions, from PyPI) running hub/jupyterhub_config.py with the
prod settings. Only the outside world is replaced: Authentik by authentik_standin (the real
GenericOAuthenticator decides), the proxy's REST API by a stub that checks the proxy token, Postgres
by sqlite, and Kubernetes by nothing at all (KUBECONFIG points at a closed port), so any pod
creation would fail loudly."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import CONFIG_ENV, CONFIG_FILE, HUB_DIR, free_port

TEST_DIR = Path(__file__).resolve().parent
PROXY_TOKEN = "proxy-token-for-tests"
STANDIN_AUTHENTICATOR = "authentik_standin.AuthentikStandIn"
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]


class ProxyApiStub(ThreadingHTTPServer):
    """configurable-http-proxy's REST API as the hub uses it (/api/routes), refusing a wrong token."""

    def __init__(self, port: int) -> None:
        self.routes: dict[str, Any] = {}
        self.refused = 0
        super().__init__(("127.0.0.1", port), ProxyApiHandler)


class ProxyApiHandler(BaseHTTPRequestHandler):
    server: ProxyApiStub

    def reply(self, status: int, body: Any = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self) -> bool:
        if self.headers.get("Authorization") == f"token {PROXY_TOKEN}":
            return True
        self.server.refused += 1
        self.reply(403)
        return False

    def do_GET(self) -> None:
        if self.authorized():
            self.reply(200, self.server.routes)

    def do_POST(self) -> None:
        if self.authorized():
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.server.routes[self.path.removeprefix("/api/routes")] = json.loads(body or b"{}")
            self.reply(201)

    def do_DELETE(self) -> None:
        if self.authorized():
            self.server.routes.pop(self.path.removeprefix("/api/routes"), None)
            self.reply(204)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class RunningHub:
    url: str
    log_file: Path
    settings_file: Path
    proxy: ProxyApiStub
    secrets: list[str]

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def hub(settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    yield from running_hub(settings, tmp_path_factory)


@pytest.fixture(scope="module")
def hub_defaulting_to_custom_image(
    settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningHub]:
    """The prod settings with the admins' custom-image profile as the default: a default profile with options."""
    profiles = [{**profile, "default": profile["slug"] == "custom-image"} for profile in settings["profiles"]]
    yield from running_hub({**settings, "profiles": profiles}, tmp_path_factory)


def running_hub(
    settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, extra_env: dict[str, str] | None = None
) -> Iterator[RunningHub]:
    """launch_hub's hub with the proxy API stub, once healthy; stopped with the stub afterwards."""
    folder = tmp_path_factory.mktemp("hub")
    hub_port, proxy_port = free_port(), free_port()
    url = f"http://127.0.0.1:{hub_port}"
    proxy = ProxyApiStub(proxy_port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    # Debug logs, to see what the hub called.
    process, env, settings_file, log_file = launch_hub(
        folder, settings, url, proxy_port, log_level="DEBUG", extra_env=extra_env
    )
    secrets = [env[key] for key in ("CONFIGPROXY_AUTH_TOKEN", "JPY_COOKIE_SECRET", "JUPYTERHUB_CRYPT_KEY")]
    running = RunningHub(url, log_file, settings_file, proxy, [*secrets, env["OAUTH_CLIENT_SECRET"]])
    try:
        wait_until_healthy(process, running)
        yield running
    finally:
        stop(process)
        proxy.shutdown()
        proxy.server_close()


def launch_hub(
    folder: Path,
    settings: dict[str, Any],
    url: str,
    proxy_port: int,
    log_level: str | None = None,
    kubeconfig: Path | None = None,
    authenticator: str | None = STANDIN_AUTHENTICATOR,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, dict[str, str], Path, Path]:
    """Starts `jupyterhub -f hub/jupyterhub_config.py` with the prod settings moved to this machine,
    sqlite, the Authentik stand-in and generated secrets; returns the process, its env, the settings
    file and the log file. Its own session, so stop() ends the hub and its services and nothing else.

    `authenticator` is JUPYTERHUB_TEST_AUTHENTICATOR (None: the settings' real GenericOAuthenticator);
    `extra_env` is added to the hub's environment last, so it may replace a value set here (e.g.
    OAUTH_CLIENT_SECRET)."""
    hub = {**settings["hub"], "bind_url": url, "connect_url": url, **({"log_level": log_level} if log_level else {})}
    proxy = {**settings["proxy"], "api_url": f"http://127.0.0.1:{proxy_port}"}
    local = {**settings, "hub": hub, "proxy": proxy}
    settings_file = folder / "settings.json"
    settings_file.write_text(json.dumps(local), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key not in CONFIG_ENV}
    env.update(
        JUPYTERHUB_SETTINGS=str(settings_file),
        JUPYTERHUB_DB_URL=f"sqlite:///{folder / 'jupyterhub.sqlite'}",
        PYTHONPATH=str(TEST_DIR),
        CONFIGPROXY_AUTH_TOKEN=PROXY_TOKEN,
        JPY_COOKIE_SECRET=os.urandom(32).hex(),
        JUPYTERHUB_CRYPT_KEY=os.urandom(32).hex(),
        OAUTH_CLIENT_SECRET="not-a-secret",
        **({"KUBECONFIG": str(kubeconfig)} if kubeconfig else {}),
        **({"JUPYTERHUB_TEST_AUTHENTICATOR": authenticator} if authenticator else {}),
    )
    env.update(extra_env or {})
    log_file = folder / "hub.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, env, settings_file, log_file


def wait_until_healthy(process: subprocess.Popen, hub: RunningHub, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the hub exited with {process.returncode}:\n{hub.log()}")
        try:
            if requests.get(f"{hub.url}/hub/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the hub was not healthy after {timeout}s:\n{hub.log()}")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the services, had the hub not stopped them
    process.wait(timeout=5)


def login(
    hub: RunningHub, name: str, headers: dict[str, str] | None = None
) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    session.get(f"{hub.url}/hub/login", timeout=10)  # sets the _xsrf cookie
    response = session.post(
        f"{hub.url}/hub/login",
        allow_redirects=False,
        timeout=10,
        headers=headers,
        data={"username": name, "password": "any", "_xsrf": session.cookies["_xsrf"]},
    )
    return session, response


def signed_in(hub: RunningHub, name: str) -> requests.Session:
    session, response = login(hub, name)
    assert response.status_code == 302, f"{name} could not sign in: {response.status_code}"
    session.headers["X-XSRFToken"] = session.cookies["_xsrf"]  # API calls with the session cookie need it
    return session


def spawn_page(hub: RunningHub, name: str) -> requests.Response:
    page = signed_in(hub, name).get(f"{hub.url}/hub/spawn", timeout=10)
    page.encoding = "utf-8"  # JupyterHub names no charset; requests would guess Latin-1 and mangle "×"
    return page


def cards(html: str) -> list[str]:
    return re.findall(r'data-profile-slug="([^"]+)"', html)


def test_users_in_the_allowed_groups_sign_in_and_a_user_without_groups_is_refused(hub: RunningHub) -> None:
    for name in ("student", "hpc", "admin"):
        assert login(hub, name)[1].status_code == 302, name
    assert login(hub, "nobody")[1].status_code == 403
    users = signed_in(hub, "admin").get(f"{hub.url}/hub/api/users", timeout=10).json()
    assert "nobody" not in [u["name"] for u in users]


@pytest.mark.parametrize(
    ("name", "groups", "admin"),
    [
        ("student", ["cps-students"], False),
        ("hpc", ["cpsHPCAccess"], False),
        ("admin", ["jupyter_admin"], True),
    ],
)
def test_groups_come_from_authentik_and_only_jupyter_admin_makes_an_admin(
    hub: RunningHub, name: str, groups: list[str], admin: bool
) -> None:
    me = signed_in(hub, name).get(f"{hub.url}/hub/api/user", timeout=10).json()
    assert (me["groups"], me["admin"]) == (groups, admin)


def test_a_student_gets_one_card(hub: RunningHub) -> None:
    page = spawn_page(hub, "student")
    assert page.status_code == 200
    assert cards(page.text) == ["cpu-default"]
    assert "For longer CLI workloads, use tmux in Terminal" in page.text
    assert re.search(r'id="profile-item-cpu-default" value="cpu-default"\s+checked', page.text)


def test_an_hpc_user_gets_cpu_gpu_and_mig_cards_but_no_custom_image(
    hub: RunningHub, settings: dict[str, Any]
) -> None:
    page = spawn_page(hub, "hpc").text
    # a card for each profile the settings open to cpsHPCAccess, in page order
    assert cards(page) == [p["slug"] for p in settings["profiles"] if "cpsHPCAccess" in p["groups"]]
    assert "custom-image" not in cards(page)
    assert "1× MIG 1g.5gb • 6 vCPU • 24 GiB" in page
    assert "--unlisted-choice" not in page


def test_an_admin_gets_every_card_with_the_image_field_and_gpu_count(
    hub: RunningHub, settings: dict[str, Any]
) -> None:
    page = spawn_page(hub, "admin").text
    assert cards(page) == [p["slug"] for p in settings["profiles"]] and "custom-image" in cards(page)
    assert 'name="profile-option-custom-image--image--unlisted-choice"' in page
    gpus = re.search(r'<select[^>]*name="profile-option-custom-image--gpus".*?</select>', page, re.S)
    assert gpus and re.findall(r'<option value="(\d)"', gpus.group(0)) == ["0", "1", "2"]


def test_a_students_hand_made_gpu_request_is_refused_before_any_pod(hub: RunningHub) -> None:
    student = signed_in(hub, "student")
    response = student.post(
        f"{hub.url}/hub/api/users/student/server", json={"profile": "gpu-pytorch-single"}, timeout=30
    )
    assert response.status_code == 403
    assert response.json() == {
        "status": 403,
        "message": "Profile 'gpu-pytorch-single' is not available to "
        "student. Available profiles: cpu-default.",
    }
    assert student.get(f"{hub.url}/hub/api/user", timeout=10).json()["servers"] == {}
    assert not re.search(r"Calling Spawner.start for student\b", hub.log())  # KubeSpawner never started


def test_an_allowed_request_passes_the_check_and_reaches_kubespawner(hub: RunningHub) -> None:
    response = signed_in(hub, "hpc").post(
        f"{hub.url}/hub/api/users/hpc/server", json={"profile": "mig-1g-5gb"}, timeout=30
    )
    # KubeSpawner.start is called, and fails at once: here there is no Kubernetes to watch pods in.
    assert response.status_code == 500
    assert re.search(r"Calling Spawner.start for hpc\b", hub.log())


def test_the_same_request_through_the_spawn_form_shows_the_reason(hub: RunningHub) -> None:
    student = signed_in(hub, "student")
    page = student.post(
        f"{hub.url}/hub/spawn",
        timeout=30,
        data={"profile": "gpu-pytorch-single", "_xsrf": student.cookies["_xsrf"]},
    )
    assert page.status_code == 403
    assert (
        "Error: Profile &#39;gpu-pytorch-single&#39; is not available to student. "
        "Available profiles: cpu-default."
    ) in page.text
    assert cards(page.text) == ["cpu-default"]


def test_a_request_without_a_profile_is_checked_as_the_default_profile(
    hub_defaulting_to_custom_image: RunningHub,
) -> None:
    hub = hub_defaulting_to_custom_image
    admin = signed_in(hub, "admin")
    response = admin.post(
        f"{hub.url}/hub/api/users/admin/server", timeout=30, json={"image--unlisted-choice": "Not An Image!"}
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("'Not An Image!' is not a valid image for 'custom-image'.")
    assert not re.search(r"Calling Spawner.start for admin\b", hub.log())  # KubeSpawner never started


def test_a_request_without_a_profile_starts_the_default_profile_it_was_checked_as(
    hub_defaulting_to_custom_image: RunningHub,
) -> None:
    hub = hub_defaulting_to_custom_image
    response = signed_in(hub, "admin").post(f"{hub.url}/hub/api/users/admin/server", timeout=30, json={})
    assert response.status_code == 500  # KubeSpawner.start, with no Kubernetes to talk to
    assert "Applying KubeSpawner override for profile 'Custom image (admins)'" in hub.log()


def test_an_admins_custom_image_is_validated(hub: RunningHub) -> None:
    admin = signed_in(hub, "admin")
    response = admin.post(
        f"{hub.url}/hub/api/users/admin/server",
        timeout=30,
        json={"profile": "custom-image", "image--unlisted-choice": "x/y:1", "gpus": "4"},
    )
    assert response.status_code == 400
    assert (
        response.json()["message"]
        == "Option 'gpus' of profile 'custom-image' must be one of 0, 1, 2, not '4'."
    )


def test_logging_out_of_the_hub_ends_the_authentik_session_too(hub: RunningHub) -> None:
    student = signed_in(hub, "student")
    response = student.get(f"{hub.url}/hub/logout", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    # Authentik's end-session URL for the application named in Pulumi.prod.yaml (auth.oauth.application)
    assert response.headers["Location"] == "https://auth.cps.unileoben.ac.at/application/o/jupyterhub/end-session/"
    assert student.get(f"{hub.url}/hub/api/user", timeout=10).status_code == 403  # and the hub's session is gone


@pytest.mark.parametrize("account", ["Student", "student-recreated"])
def test_a_name_stays_bound_to_the_authentik_account_that_first_used_it(hub: RunningHub, account: str) -> None:
    signed_in(hub, "student")  # Authentik's "student" (sub-student) has signed in: the name is bound to it
    # Another account whose name is "student" once lowercased. Not as a form submission, so the hub
    # answers with its error page, as it does for Authentik's OAuth callback.
    _, response = login(hub, account, headers={"Sec-Fetch-Mode": "cors"})
    assert response.status_code == 403
    assert "The name student belongs to another Authentik account" in response.text
    assert re.search(rf"Refused sign-in as student: sub sub-\S+ is not sub-student\b", hub.log())
    me = signed_in(hub, "student").get(f"{hub.url}/hub/api/user", timeout=10).json()
    assert (me["name"], me["groups"]) == ("student", ["cps-students"])  # the owner still signs in


def test_the_hub_registered_with_the_proxy_using_the_token_from_the_environment(hub: RunningHub) -> None:
    assert hub.proxy.routes["/"]["hub"] is True
    assert hub.proxy.refused == 0


def test_both_cullers_run_as_services_and_may_list_users(hub: RunningHub) -> None:
    services = signed_in(hub, "admin").get(f"{hub.url}/hub/api/services", timeout=10).json()
    assert {name: services[name]["roles"] for name in services} == {
        "jupyterhub-idle-culler": ["jupyterhub-idle-culler"],
        "profile-culler": ["profile-culler"],
    }
    assert all(service["pid"] > 0 for service in services.values())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        log = hub.log()
        if all(re.search(rf"200 GET /hub/api/users\?state=\S* \({name}@", log) for name in services):
            return
        time.sleep(0.3)
    pytest.fail(f"a culler did not list users:\n{hub.log()}")


def test_the_profile_culler_runs_once_against_the_hub(hub: RunningHub) -> None:
    admin = signed_in(hub, "admin")
    token = admin.post(
        f"{hub.url}/hub/api/users/admin/tokens",
        timeout=10,
        json={"scopes": CULLER_SCOPES, "expires_in": 300, "note": "profile culler test"},
    ).json()["token"]
    result = subprocess.run(
        [
            sys.executable,
            str(HUB_DIR / "profile_culler.py"),
            "--once",
            f"--url={hub.url}/hub/api",
            f"--settings={hub.settings_file}",
        ],
        env={**os.environ, "JUPYTERHUB_API_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "checked 0 users with servers, stopped 0" in result.stderr


def test_no_secret_reaches_the_hub_log(hub: RunningHub) -> None:
    log = hub.log()  # at debug level, after every test above
    assert [secret for secret in hub.secrets if secret in log] == []
