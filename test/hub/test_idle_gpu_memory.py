"""The idle-GPU notifier across a hub restart (hub/idle_gpu_memory.py): what it did is kept in the hub's
database, so the restarted notifier sends no second email for the same idle period, stops the server
when the grace period that began before the restart ends, and puts the user's notice up again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import idle_gpu_notifier
import pytest
from idle_gpu_memory import NotifiedStore
from idle_gpu_notifier import Notifier
from postgres_server import postgres_server

POD = "jupyter-alice"
LABELS = {"pod": POD, "modelName": "NVIDIA A100-SXM4-40GB"}


class FakeHub:
    """What the notifier asks of the hub's API, recorded."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def __call__(self, path: str, method: str = "GET", data: Any = None) -> Any:
        self.calls.append((method, path, data))
        if path.startswith("/users?"):
            return [{"name": "alice", "servers": {"": {"state": {"pod_name": POD}}}}]
        if path == "/users/alice":
            return {"auth_state": {"oauth_user": {"email": "alice@unileoben.ac.at"}}}
        return None


def notifier(db: Path, hub: FakeHub, mails: list[str]) -> Notifier:
    made = Notifier(
        api_url="http://hub",
        token="token",
        prometheus_url="http://prometheus",
        send=lambda to, subject, body: mails.append(to),
        stop_after=600,
        store=NotifiedStore(f"sqlite:///{db}"),
    )
    made.api = hub  # type: ignore[method-assign]
    made.restore()
    return made


@pytest.fixture
def idle(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]]:
    firing = {POD: LABELS}
    monkeypatch.setattr(idle_gpu_notifier, "firing_pods", lambda url: firing)
    return firing


def test_a_restart_sends_no_second_email_and_keeps_the_grace_period(tmp_path: Path, idle: dict) -> None:
    db, mails, hub = tmp_path / "hub.sqlite", [], FakeHub()
    first = notifier(db, hub, mails)
    first.run_once()
    assert mails == ["alice@unileoben.ac.at"]

    again = notifier(db, hub, mails)  # the hub restarted, and the notifier with it
    hub.calls.clear()
    again.run_once()
    assert mails == ["alice@unileoben.ac.at"], "no second email for the same idle period"
    puts = [call for call in hub.calls if call[0] == "PUT" and call[1].startswith("/idle-gpu-notices/alice")]
    assert len(puts) == 1 and puts[0][2]["kind"] == "idle", "the notice is up again"
    assert puts[0][2]["stop_at"] == pytest.approx(first.notified_at[("alice", "")] + 600)

    again.notified[("alice", "")] -= 601  # the grace period, begun before the restart, is over
    again.run_once()
    assert ("DELETE", "/users/alice/server", None) in hub.calls


def test_a_cleared_period_is_forgotten_so_the_next_one_gets_an_email(tmp_path: Path, idle: dict) -> None:
    db, mails, hub = tmp_path / "hub.sqlite", [], FakeHub()
    notifier(db, hub, mails).run_once()
    idle.clear()  # the GPU is busy again
    notifier(db, hub, mails).run_once()
    assert NotifiedStore(f"sqlite:///{db}").load() == {}
    idle[POD] = LABELS
    notifier(db, hub, mails).run_once()
    assert len(mails) == 2


def test_a_stopped_server_stays_stopped_across_a_restart(tmp_path: Path, idle: dict) -> None:
    db, mails, hub = tmp_path / "hub.sqlite", [], FakeHub()
    first = notifier(db, hub, mails)
    first.run_once()
    first.notified[("alice", "")] -= 601
    first.run_once()  # stopped
    [(_, stopped)] = NotifiedStore(f"sqlite:///{db}").load().values()
    assert stopped
    hub.calls.clear()
    notifier(db, hub, mails).run_once()  # the alert still fires for a moment after the stop
    assert not [call for call in hub.calls if call[0] == "DELETE"] and len(mails) == 1


def test_the_store_works_on_postgresql_as_the_hub_runs_it() -> None:
    with postgres_server() as url:
        store = NotifiedStore(url.replace("postgresql://", "postgresql+psycopg2://"))
        store.save(("alice", ""), 1000.5, False)
        store.save(("alice", ""), 1000.5, True)  # stopped: the row is replaced, not doubled
        store.save(("bob", "gpu"), 2000.0, False)
        assert NotifiedStore(url.replace("postgresql://", "postgresql+psycopg2://")).load() == {
            ("alice", ""): (1000.5, True),
            ("bob", "gpu"): (2000.0, False),
        }
        store.forget(("alice", ""))
        assert set(store.load()) == {("bob", "gpu")}
        store.engine.dispose()
