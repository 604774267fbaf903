"""The idle-GPU notifier (hub/idle_gpu_notifier.py) against a real Prometheus v3.5.0 running the
rendered rules on a stand-in DCGM exporter (as in test_hub_metrics.py), a real SMTP server (aiosmtpd)
and a stand-in for the hub's REST API (the users' servers cannot run here: there is no cluster).
An idle GPU's user gets exactly one email per idle period, a user without an email claim none, a busy
GPU's user none; the server is stopped once after the grace period; a new idle period emails again.
The notices on the hub's pages are put up and taken down as the emails go (the hub's side of them, with
a real hub: test_idle_gpu_notices.py); the email's text is the stack's; the relay's login is real SMTP AUTH."""

from __future__ import annotations

import json
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from conftest import HUB_DIR, free_port, load_hub_config
from test_hub_metrics import GPU, POD, prometheus_binary, rendered

sys.path.insert(0, str(HUB_DIR))
from idle_gpu_notifier import Notifier, smtp_sender  # noqa: E402

HUB_TOKEN = "notifier-token-for-tests"
UTILISATION = {"alice": 3.0, "bob": 97.0, "carol": 1.0}  # percent; carol's is a MIG slice


class Dcgm(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        lines = [
            "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
            f"DCGM_FI_DEV_GPU_UTIL{{{GPU.format(gpu=0, uuid='a1', bus='17')},{POD.format(user='alice')}}} {UTILISATION['alice']}",
            f"DCGM_FI_DEV_GPU_UTIL{{{GPU.format(gpu=1, uuid='b2', bus='65')},{POD.format(user='bob')}}} {UTILISATION['bob']}",
            "# TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge",
            "DCGM_FI_PROF_GR_ENGINE_ACTIVE{"
            f'{GPU.format(gpu=3, uuid="d4", bus="e3")},GPU_I_PROFILE="1g.5gb",GPU_I_ID="7",{POD.format(user="carol")}'
            f"}} {UTILISATION['carol'] / 100}",
            "",
        ]
        page = "\n".join(lines).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")  # the exporter's text format
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        pass


class HubApi(BaseHTTPRequestHandler):
    """GET /users?state=active (servers with their pod), GET /users/<name> (auth state), DELETE a server,
    PUT and DELETE /idle-gpu-notices/<user>/<server> (the hub's notices)."""

    emails = {"alice": "alice@unileoben.ac.at", "bob": "bob@unileoben.ac.at"}  # carol's provider sends none
    deleted: list[str] = []
    notices: list[tuple[str, str, Any]] = []  # (method, path, body)

    def do_PUT(self) -> None:
        if self.authorized():
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            type(self).notices.append(("PUT", self.path, body))
            self.reply(204)

    def reply(self, status: int, body: Any = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self) -> bool:
        if self.headers.get("Authorization") == f"token {HUB_TOKEN}":
            return True
        self.reply(403)
        return False

    def do_GET(self) -> None:
        if not self.authorized():
            return
        if self.path == "/users?state=active":
            servers = lambda user: {"": {"state": {"pod_name": f"jupyter-{user}"}}}  # noqa: E731
            self.reply(200, [{"name": user, "servers": servers(user)} for user in UTILISATION])
        else:
            name = self.path.removeprefix("/users/")
            email = self.emails.get(name)
            self.reply(200, {"name": name, "auth_state": {"oauth_user": {"email": email} if email else {}}})

    def do_DELETE(self) -> None:
        if self.authorized():
            if self.path.startswith("/idle-gpu-notices/"):
                type(self).notices.append(("DELETE", self.path, None))
            else:
                type(self).deleted.append(self.path)
            self.reply(204)

    def log_message(self, *args: Any) -> None:
        pass


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def prometheus(tmp_path: Path) -> Iterator[str]:
    dcgm = serve(Dcgm)
    config = rendered(tmp_path, f"127.0.0.1:{free_port()}", f"127.0.0.1:{dcgm.server_port}")
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
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        dcgm.shutdown()
        dcgm.server_close()


def rounds_until(notifier: Notifier, done: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            notifier.run_once()
        except OSError as error:  # Prometheus still starting
            last = error
        if done():
            return
        time.sleep(0.5)
    pytest.fail(f"the notifier did not get there in time: notified {notifier.notified}, last error {last!r}")


def test_one_email_per_idle_period_and_a_stop_after_the_grace_period(
    prometheus: str, caplog: pytest.LogCaptureFixture
) -> None:
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    hub = serve(HubApi)
    HubApi.deleted.clear()
    HubApi.notices.clear()
    notifier = Notifier(
        api_url=f"http://127.0.0.1:{hub.server_port}",
        token=HUB_TOKEN,
        prometheus_url=prometheus,
        send=smtp_sender("127.0.0.1", smtp.port, "jupyterhub@cps.unileoben.ac.at", False, None, None),
        hub_url="https://jupyterhub.cps.unileoben.ac.at",
        stop_after=3,
    )
    caplog.set_level("INFO", logger="idle-gpu-notifier")
    try:
        # alice (idle A100) gets one email; carol (idle slice) has no address; bob is busy.
        rounds_until(notifier, lambda: len(mailbox.messages) == 1 and len(notifier.notified) == 2)
        [(to, message)] = mailbox.messages
        assert to == ["alice@unileoben.ac.at"]
        assert "Subject: Your GPU on jupyterhub.cps.unileoben.ac.at is idle" in message
        assert "NVIDIA A100 80GB PCIe" in message and "stopped in 0 minutes" in message
        # More rounds within the grace period: no second email, no stop.
        for _ in range(3):
            notifier.run_once()
        assert len(mailbox.messages) == 1 and HubApi.deleted == []
        # After the grace period: both idle servers stopped, once each.
        rounds_until(notifier, lambda: len(HubApi.deleted) == 2, timeout=10)
        notifier.run_once()
        assert sorted(HubApi.deleted) == ["/users/alice/server", "/users/carol/server"]
        # alice works again: the alert clears and she is forgotten; idle again: a new period, a new email.
        UTILISATION["alice"] = 90.0
        rounds_until(notifier, lambda: ("alice", "") not in notifier.notified)
        UTILISATION["alice"] = 2.0
        rounds_until(notifier, lambda: len(mailbox.messages) == 2)
        assert mailbox.messages[1][0] == ["alice@unileoben.ac.at"]
        events = [json.loads(record.getMessage()) for record in caplog.records]
        assert [(e["event"], e["user"]) for e in events if e["user"] == "alice"] == [
            ("notified", "alice"),
            ("stopped", "alice"),
            ("cleared", "alice"),
            ("notified", "alice"),
        ]
        assert ("no-address", "carol") in [(e["event"], e["user"]) for e in events]
        assert all(e["user"] != "bob" for e in events)
        # The hub's notices: up with the email (or without an address), "stopped" after the stop, kept
        # when the stopped server's alert clears; a new idle period puts up a new one.
        notices = [(method, path, body and body["kind"]) for method, path, body in HubApi.notices]
        assert [n for n in notices if "/alice/" in n[1]] == [
            ("PUT", "/idle-gpu-notices/alice/", "idle"),
            ("PUT", "/idle-gpu-notices/alice/", "stopped"),
            ("PUT", "/idle-gpu-notices/alice/", "idle"),
        ]
        assert [n for n in notices if "/carol/" in n[1]][:2] == [
            ("PUT", "/idle-gpu-notices/carol/", "idle"),
            ("PUT", "/idle-gpu-notices/carol/", "stopped"),
        ]
        first = HubApi.notices[0][2]
        assert first["gpu"] in ("NVIDIA A100 80GB PCIe", "NVIDIA A100 80GB PCIe 1g.5gb")
        assert first["stop_at"] == pytest.approx(time.time(), abs=120)
    finally:
        UTILISATION["alice"] = 3.0
        smtp.stop()
        hub.shutdown()
        hub.server_close()


def test_the_hub_runs_it_as_a_service_with_its_settings_and_a_role_of_its_own(
    settings: dict[str, Any], tmp_path: Path
) -> None:
    notifier = {
        "prometheus_url": "http://prometheus.jupyterhub-monitoring.svc:9090",
        "every": 60,
        "stop_after": 1800,
        "smtp_host": "smtp.unileoben.ac.at",
        "smtp_port": 587,
        "smtp_from": "jupyterhub@unileoben.ac.at",
        "smtp_starttls": True,
        "smtp_user": "jupyterhub",
        "subject": "GPU idle",
        "body": "Hello {user},\n\nyour GPU is idle.\n",
    }
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps({**settings, "idle_gpu_notifier": notifier}), encoding="utf-8")
    config = load_hub_config(settings_file, JUPYTERHUB_DB_PASSWORD="x", IDLE_GPU_NOTIFIER_SMTP_PASSWORD="s3cret")
    [service] = [s for s in config.JupyterHub.services if s["name"] == "idle-gpu-notifier"]
    assert service["command"][1:] == [
        str(HUB_DIR / "idle_gpu_notifier.py"),
        "--api-url=http://127.0.0.1:8081/hub/api",
        "--prometheus-url=http://prometheus.jupyterhub-monitoring.svc:9090",
        f"--hub-url={settings['public_url']}",
        "--every=60",
        "--stop-after=1800",
        "--smtp-host=smtp.unileoben.ac.at",
        "--smtp-port=587",
        "--smtp-from=jupyterhub@unileoben.ac.at",
        "--smtp-starttls",
        "--smtp-user=jupyterhub",
        "--subject=GPU idle",
        "--body=Hello {user},\n\nyour GPU is idle.\n",
    ]
    # The password reaches the service from the hub's environment (Secret hub), never the settings.
    assert service["environment"] == {
        "IDLE_GPU_NOTIFIER_SMTP_PASSWORD": "s3cret",
        "IDLE_GPU_NOTIFIER_DB_URL": config.JupyterHub.db_url,  # what it did survives a restart (test_idle_gpu_memory.py)
    }
    assert "s3cret" not in settings_file.read_text(encoding="utf-8")
    [role] = [r for r in config.JupyterHub.load_roles if r["name"] == "idle-gpu-notifier"]
    assert role["services"] == ["idle-gpu-notifier"]
    assert set(role["scopes"]) == {
        "list:users",
        "read:users:name",
        "read:servers",
        "admin:server_state",
        "admin:auth_state",
        "delete:servers",
        "custom:idle-gpu-notices:write",
    }
    assert "custom:idle-gpu-notices:write" in config.JupyterHub.custom_scopes
    # Its notices: a handler of the hub's API, after the capacity handlers (kept), and the announcement.
    patterns = [h[0] for h in config.JupyterHub.extra_handlers]
    assert patterns[-1] == r"/api/idle-gpu-notices/([^/]+)(?:/([^/]*))?"
    assert "/api/capacity" in patterns  # prod has hub.capacity on: its handlers stay
    assert callable(config.JupyterHub.template_vars["announcement"])
    # Off (prod today): no such service.
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(settings), encoding="utf-8")
    plain_config = load_hub_config(plain, JUPYTERHUB_DB_PASSWORD="x")
    assert all(s["name"] != "idle-gpu-notifier" for s in plain_config.JupyterHub.services)
    assert "template_vars" not in plain_config.JupyterHub


def test_the_stacks_text_and_a_cleared_period_takes_the_notice_down() -> None:
    """The subject and body are the stack's templates; a period that ends without a stop takes its notice down."""
    sent: list[tuple[str, str, str]] = []
    hub = serve(HubApi)
    HubApi.notices.clear()
    notifier = Notifier(
        api_url=f"http://127.0.0.1:{hub.server_port}",
        token=HUB_TOKEN,
        prometheus_url="http://127.0.0.1:1",
        send=lambda to, subject, body: sent.append((to, subject, body)),
        hub_url="https://jupyterhub.cps.unileoben.ac.at",
        subject="[{hub_host}] {gpu} idle",
        body="Dear {user}: {{literal braces}} {hub_url}{stop_notice}",
    )
    labels = {"pod": "jupyter-alice", "modelName": "NVIDIA A100 80GB PCIe"}
    try:
        notifier.notify(("alice", "train"), labels)
        assert sent == [
            (
                "alice@unileoben.ac.at",
                "[jupyterhub.cps.unileoben.ac.at] NVIDIA A100 80GB PCIe idle",
                "Dear alice: {literal braces} https://jupyterhub.cps.unileoben.ac.at",
            )
        ]
        notifier.notified[("alice", "train")] = 0
        notifier.servers_by_pod = lambda: {}  # type: ignore[method-assign]
        import idle_gpu_notifier

        original = idle_gpu_notifier.firing_pods
        idle_gpu_notifier.firing_pods = lambda url: {}
        try:
            notifier.run_once()
        finally:
            idle_gpu_notifier.firing_pods = original
        assert [(m, p) for m, p, _ in HubApi.notices] == [
            ("PUT", "/idle-gpu-notices/alice/train"),
            ("DELETE", "/idle-gpu-notices/alice/train"),
        ]
    finally:
        hub.shutdown()
        hub.server_close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_relay_login_is_real_smtp_auth_with_the_password_from_the_environment() -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"jupyterhub", b"s3cret")
        return AuthResult(success=ok, handled=False)

    mailbox = Mailbox()
    smtp = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=check,
        auth_required=True,
        auth_require_tls=False,  # the test relay has no certificate; the real one gets STARTTLS first
    )
    smtp.start()
    try:
        smtp_sender("127.0.0.1", smtp.port, "jupyterhub@cps.unileoben.ac.at", False, "jupyterhub", "s3cret")(
            "alice@unileoben.ac.at", "subject", "body"
        )
        assert [to for to, _ in mailbox.messages] == [["alice@unileoben.ac.at"]]
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp_sender("127.0.0.1", smtp.port, "jupyterhub@cps.unileoben.ac.at", False, "jupyterhub", "wrong")(
                "alice@unileoben.ac.at", "subject", "body"
            )
        with pytest.raises(smtplib.SMTPSenderRefused):  # no login at a relay that wants one
            smtp_sender("127.0.0.1", smtp.port, "jupyterhub@cps.unileoben.ac.at", False, None, None)(
                "alice@unileoben.ac.at", "subject", "body"
            )
        assert len(mailbox.messages) == 1
    finally:
        smtp.stop()
