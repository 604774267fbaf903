"""The audit files the shipper reads (audit.shipping, docs/operations.md "Audit lines"): the real hub
with JUPYTERHUB_AUDIT_DIR writes each audit line, bare JSON, to hub.jsonl there, the same lines as the
`audit: ` lines of its log; the budget enforcer, a hub service, is given the folder and its service
name, so its lines go to budget-enforcer.jsonl (usage_audit.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_real_hub import RunningHub, running_hub, signed_in
from test_usage_real_hub import USAGE, database_url  # noqa: F401 (the fixture: usage needs a real PostgreSQL)


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit")


@pytest.fixture(scope="module")
def shipping_hub(
    settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory, audit_dir: Path, database_url: str  # noqa: F811
) -> Iterator[RunningHub]:
    env = {"JUPYTERHUB_USAGE_DB_URL": database_url, "JUPYTERHUB_AUDIT_DIR": str(audit_dir)}
    yield from running_hub({**settings, "usage": USAGE}, tmp_path_factory, extra_env=env)


def wait_for(done, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.2)


def test_the_hub_writes_its_audit_lines_to_hub_jsonl_as_in_its_log(shipping_hub: RunningHub, audit_dir: Path) -> None:
    for name in ("hpc", "student"):
        signed_in(shipping_hub, name)
    file = audit_dir / "hub.jsonl"

    def logins() -> list[dict[str, Any]]:
        lines = file.read_text().splitlines() if file.exists() else []
        return [json.loads(line) for line in lines if json.loads(line)["event"] == "login"]

    wait_for(lambda: {line["user"] for line in logins()} >= {"hpc", "student"}, "two login lines in hub.jsonl")
    in_log = [json.loads(line.split("audit: ", 1)[1]) for line in shipping_hub.log().splitlines() if line.startswith("audit: ")]
    written = [json.loads(line) for line in file.read_text().splitlines()]
    assert written == in_log[: len(written)]


def test_the_budget_enforcer_is_given_the_folder_and_its_name(shipping_hub: RunningHub, audit_dir: Path) -> None:
    def enforcer_env() -> dict[str, str] | None:
        for proc in Path("/proc").iterdir():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                if b"--settings=" + str(shipping_hub.settings_file).encode() in cmdline and any(
                    part.endswith(b"budget_enforcer.py") for part in cmdline
                ):
                    pairs = (proc / "environ").read_bytes().split(b"\0")
                    return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)
            except OSError:
                continue
        return None

    wait_for(lambda: enforcer_env() is not None, "the budget enforcer's process")
    env = enforcer_env() or {}
    assert (env.get("JUPYTERHUB_AUDIT_DIR"), env.get("JUPYTERHUB_SERVICE_NAME")) == (str(audit_dir), "budget-enforcer")
