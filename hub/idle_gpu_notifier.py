#!/usr/bin/env python3
"""Emails the users whose GPU has been idle, once per idle period, and optionally stops their server
after a grace period (the seed: "GPU below 10 % for 30 minutes: email the user").

Prometheus decides what is idle: the alert JupyterHubGpuIdle (components/cluster/monitoring-rules.ts,
threshold and duration from monitoring.idleGpu) fires for each user pod whose GPU or MIG slice stayed
below the threshold. Each round this service asks Prometheus for the firing alerts, maps each alert's
pod to the hub user and server that own it (the server's state names its pod), and
- emails the user (the identity provider's email claim, from the user's auth state) when the idle
  period is new to it, with the stack's subject and text (monitoring.notifier.email, str.format
  templates: {user}, {gpu}, {hub_url}, {hub_host}, {stop_notice});
- puts a notice on the user's hub pages (idle_gpu_notices.py, through the hub's API), with or
  without an address;
- stops the server once `--stop-after` seconds have passed since that email, if set, and says so in
  the notice;
- forgets a server whose alert has cleared (and takes its notice down), so its next idle period gets
  a new email.
Every action is one JSON audit line on stderr ("event": notified, no-address, stopped, cleared).
Runs as a hub service (the hub gives it JUPYTERHUB_API_TOKEN and JUPYTERHUB_API_URL, and the SMTP
password as IDLE_GPU_NOTIFIER_SMTP_PASSWORD); standard library only, but for what it has done: that
is kept in the hub's database when the hub gives it IDLE_GPU_NOTIFIER_DB_URL (idle_gpu_memory.py),
so a hub restart sends no second email for an idle period already notified, the grace period runs on
from the first email, and the notice of a still-idle server is put up again in the first round (the
hub keeps notices in memory). A "stopped" notice does not survive a restart.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import smtplib
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote, urlencode

log = logging.getLogger("idle-gpu-notifier")
IDLE_ALERT = 'ALERTS{alertname="JupyterHubGpuIdle", alertstate="firing"}'
# The email's text when none is given; the stack's defaults (NOTIFIER_EMAIL_DEFAULTS in
# config/schema/monitoring.ts) are the same, and the hub passes the stack's.
SUBJECT = "Your GPU on {hub_host} is idle"
BODY = """Hello {user},

the GPU of your notebook server ({gpu}) has been almost unused for a while.
GPUs are scarce: please stop your server if you do not need it ({hub_url}/hub/home).
{stop_notice}
-- JupyterHub
"""

Key = tuple[str, str]  # (user, server name; "" is the default server)
STOPPED = float("inf")  # in Notifier.notified: the server was stopped for this idle period


def gpu_name(labels: Mapping[str, str]) -> str:
    return " ".join(filter(None, [labels.get("modelName"), labels.get("GPU_I_PROFILE")])) or "GPU"


def get_json(url: str, token: str | None = None) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def firing_pods(prometheus_url: str) -> dict[str, Mapping[str, str]]:
    """The pods whose GPU alert fires, with the alert's labels."""
    answer = get_json(f"{prometheus_url}/api/v1/query?{urlencode({'query': IDLE_ALERT})}")
    return {series["metric"]["pod"]: series["metric"] for series in answer["data"]["result"]}


def audit(event: str, **fields: Any) -> None:
    log.info("%s", json.dumps({"audit": "idle-gpu", "event": event, **fields}, sort_keys=True))


@dataclass
class Notifier:
    api_url: str
    token: str
    prometheus_url: str
    send: Any  # (to, subject, body) -> None
    hub_url: str = ""
    stop_after: float = 0  # seconds after the email; 0: never stop
    auth_state_key: str = "oauth_user"
    email_claim: str = "email"
    subject: str = SUBJECT
    body: str = BODY
    notified: dict[Key, float] = field(default_factory=dict)
    store: Any = None  # idle_gpu_memory.NotifiedStore: `notified` kept across restarts; None: memory only
    notified_at: dict[Key, float] = field(default_factory=dict)  # wall-clock time of each email
    restored: set[Key] = field(default_factory=set)  # notified before a restart: notice to put up again

    def restore(self) -> None:
        """What the notifier did before a restart, from the store: no second email for an idle period
        already notified, and the grace period goes on from the first email."""
        if self.store is None:
            return
        elapsed_now, wall_now = time.monotonic(), time.time()
        for key, (notified_at, stopped) in self.store.load().items():
            self.notified[key] = STOPPED if stopped else elapsed_now - max(0.0, wall_now - notified_at)
            self.notified_at[key] = notified_at
            if not stopped:
                self.restored.add(key)
        if self.notified:
            log.info("remembered %d notified servers from before the restart", len(self.notified))

    def remember(self, key: Key, stopped: bool = False) -> None:
        if not stopped:
            self.notified_at[key] = time.time()
        if self.store is not None:
            self.store.save(key, self.notified_at.get(key, time.time()), stopped)

    def forget(self, key: Key) -> None:
        self.notified_at.pop(key, None)
        self.restored.discard(key)
        if self.store is not None:
            self.store.forget(key)

    def api(self, path: str, method: str = "GET", data: Any = None) -> Any:
        request = urllib.request.Request(
            f"{self.api_url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
            data=json.dumps(data).encode() if data is not None else None,
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            return json.loads(body) if body else None

    def servers_by_pod(self) -> dict[str, Key]:
        """Each running server's pod (KubeSpawner keeps its name in the server's state)."""
        found: dict[str, Key] = {}
        for user in self.api("/users?state=active"):
            for name, server in (user.get("servers") or {}).items():
                pod = (server.get("state") or {}).get("pod_name")
                if pod:
                    found[pod] = (user["name"], name)
        return found

    def address(self, user: str) -> str | None:
        state = self.api(f"/users/{quote(user)}").get("auth_state") or {}
        value = (state.get(self.auth_state_key) or {}).get(self.email_claim)
        return str(value) if value else None

    def show_notice(self, key: Key, kind: str, gpu: str, stop_at: float | None = None) -> None:
        """The notice on the user's hub pages; a hub that does not take it (an older hub) only loses the notice."""
        path = "/idle-gpu-notices/" + "/".join(quote(part, safe="") for part in key)
        try:
            if kind == "clear":
                self.api(path, method="DELETE")
            else:
                self.api(path, method="PUT", data={"kind": kind, "gpu": gpu, "stop_at": stop_at})
        except (urllib.error.URLError, OSError) as error:
            log.warning("the hub did not take the notice for %s: %s", key, error)

    def notify(self, key: Key, labels: Mapping[str, str]) -> None:
        user, server = key
        gpu = gpu_name(labels)
        self.show_notice(key, "idle", gpu, time.time() + self.stop_after if self.stop_after else None)
        to = self.address(user)
        if not to:
            audit("no-address", user=user, server=server, pod=labels.get("pod"))
            return
        minutes = round(self.stop_after / 60)
        notice = f"\nIf it stays idle, it will be stopped in {minutes} minutes.\n" if self.stop_after else ""
        host = self.hub_url.split("://")[-1]
        values = {"user": user, "gpu": gpu, "hub_url": self.hub_url, "hub_host": host, "stop_notice": notice}
        self.send(to, self.subject.format(**values), self.body.format(**values))
        audit("notified", user=user, server=server, pod=labels.get("pod"), to=to, gpu=gpu)

    def run_once(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        pods = firing_pods(self.prometheus_url)
        owners = self.servers_by_pod() if pods else {}
        idle = {owners[pod]: labels for pod, labels in pods.items() if pod in owners}
        for key in [key for key in self.notified if key not in idle]:
            if self.notified.pop(key) != STOPPED:  # a stopped server's notice stays until it starts again
                self.show_notice(key, "clear", "")
            self.forget(key)
            audit("cleared", user=key[0], server=key[1])
        for key, labels in idle.items():
            if key in self.restored and self.notified.get(key) != STOPPED:
                stop_at = self.notified_at[key] + self.stop_after if self.stop_after else None
                self.show_notice(key, "idle", gpu_name(labels), stop_at)
            self.restored.discard(key)
            if key not in self.notified:
                self.notify(key, labels)
                self.notified[key] = now
                self.remember(key)
            elif self.stop_after and now - self.notified[key] >= self.stop_after:
                user, server = key
                path = f"/users/{quote(user)}/servers/{quote(server)}" if server else f"/users/{quote(user)}/server"
                self.api(path, method="DELETE")
                audit("stopped", user=user, server=server, pod=labels.get("pod"), after_seconds=self.stop_after)
                self.show_notice(key, "stopped", gpu_name(labels))
                self.notified[key] = STOPPED  # stopped once; forgotten when the alert clears
                self.remember(key, stopped=True)


def smtp_sender(host: str, port: int, sender: str, starttls: bool, user: str | None, password: str | None):
    def send(to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, to, subject
        message.set_content(body)
        with smtplib.SMTP(host, port, timeout=30) as smtp:
            if starttls:
                smtp.starttls()
            if user and password:
                smtp.login(user, password)
            smtp.send_message(message)

    return send


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prometheus-url", required=True)
    parser.add_argument("--api-url", help="the hub's API (default: JUPYTERHUB_API_URL)")
    parser.add_argument("--hub-url", default="", help="the hub's public URL, for the email")
    parser.add_argument("--every", type=float, default=60)
    parser.add_argument("--stop-after", type=float, default=0, help="seconds after the email; 0: never")
    parser.add_argument("--smtp-host", required=True)
    parser.add_argument("--smtp-port", type=int, default=587)
    parser.add_argument("--smtp-from", required=True)
    parser.add_argument("--smtp-starttls", action="store_true")
    parser.add_argument("--smtp-user", help="login name; the password is in IDLE_GPU_NOTIFIER_SMTP_PASSWORD")
    parser.add_argument("--subject", default=SUBJECT, help="the email's subject, a str.format template")
    parser.add_argument("--body", default=BODY, help="the email's text, a str.format template")
    parser.add_argument("--auth-state-key", default="oauth_user")
    parser.add_argument("--email-claim", default="email")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    password = os.environ.get("IDLE_GPU_NOTIFIER_SMTP_PASSWORD")
    send = smtp_sender(args.smtp_host, args.smtp_port, args.smtp_from, args.smtp_starttls, args.smtp_user, password)
    notifier = Notifier(
        api_url=(args.api_url or os.environ["JUPYTERHUB_API_URL"]).rstrip("/"),
        token=os.environ["JUPYTERHUB_API_TOKEN"],
        prometheus_url=args.prometheus_url.rstrip("/"),
        send=send,
        hub_url=args.hub_url.rstrip("/"),
        stop_after=args.stop_after,
        auth_state_key=args.auth_state_key,
        email_claim=args.email_claim,
        subject=args.subject,
        body=args.body,
    )
    db_url = os.environ.get("IDLE_GPU_NOTIFIER_DB_URL")  # the hub's database (jupyterhub_config.py)
    if db_url:
        from idle_gpu_memory import NotifiedStore

        notifier.store = NotifiedStore(db_url)
        notifier.restore()
    while True:
        try:
            notifier.run_once()
        except Exception:  # one bad round (Prometheus or SMTP away) must not end the service
            log.exception("round failed; trying again in %s s", args.every)
        time.sleep(args.every)


if __name__ == "__main__":
    main()
