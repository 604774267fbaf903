"""hub/capacity_mail.py: the first in line gets one email through a real SMTP server (aiosmtpd) when a
place is offered; a user without an address gets none, and the offer stands either way."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from capacity_mail import offer_mailer
from conftest import free_port, load_hub_config
from idle_gpu_notifier import smtp_sender
from test_idle_gpu_notifier import Mailbox
from test_live_capacity import PROFILES, Clock, FakeCache, capacity_for, cluster, fill_gpus  # noqa: F401

ADDRESSES = {"anna": "anna@unileoben.ac.at"}


async def email_of(user: str) -> str | None:
    return ADDRESSES.get(user)


async def until(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "no email in time"
        await asyncio.sleep(0.05)


def test_the_first_in_line_is_emailed_the_offer(cluster: FakeCache) -> None:  # noqa: F811
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        capacity = capacity_for(cluster, Clock(), queue=True)
        send = smtp_sender("127.0.0.1", smtp.port, "jupyterhub@cps.unileoben.ac.at", False, None, None)
        capacity.on_offer = offer_mailer(send, email_of, "https://hub.example/", {p["slug"]: p for p in PROFILES})

        async def scenario() -> None:
            fill_gpus(cluster, 4)
            capacity.queue.join("ben", "gpu")  # no address: no email, still offered
            capacity.queue.join("anna", "gpu")
            cluster.remove_pod("jupyter-u0")
            cluster.remove_pod("jupyter-u1")
            capacity.tick()
            await until(lambda: len(mailbox.messages) == 1)
            await asyncio.sleep(0.2)  # ben's lookup has finished too

        asyncio.run(scenario())
        [(to, message)] = mailbox.messages
        assert to == ["anna@unileoben.ac.at"]
        assert "Subject: A place on GPU is yours until 12:05 UTC" in message
        assert "https://hub.example/hub/spawn" in message
        assert capacity.queue.entry("ben").offer_until is not None, "the offer stands without an email"
    finally:
        smtp.stop()


def test_the_hub_emails_offers_only_with_the_line_on_and_the_notifiers_smtp_settings(
    settings: dict[str, Any], tmp_path: Path
) -> None:
    smtp = {"prometheus_url": "http://prometheus:9090", "every": 60, "stop_after": 0, "smtp_host": "mail.example",
            "smtp_port": 587, "smtp_from": "hub@example", "smtp_starttls": True}  # fmt: skip
    line_on = {**settings["capacity"], "queue": {"enabled": True, "offer_window": 300}}

    def on_offer(document: dict) -> str:
        path = tmp_path / "settings.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        config = load_hub_config(path, JUPYTERHUB_DB_PASSWORD="not-a-secret")
        capacity = config.JupyterHub.extra_handlers[0][2]["capacity"]
        return capacity.on_offer.__qualname__

    assert "offer_mailer" in on_offer({**settings, "capacity": line_on, "idle_gpu_notifier": smtp})
    assert "offer_mailer" not in on_offer({**settings, "capacity": line_on})
