"""The budget notices (hub/budget_notices.py) and the announcement slot they share with the idle-GPU
notices (hub/hub_notices.py): each topic's notice of a server is its own, so one clearing does not
clear the other; which kind shows while the server runs, starts, stops or does not run; a budget
notice ends with its month; what the user reads; what the enforcer may PUT. (Through the real hub:
test_budget_notices_real_hub.py.)"""

from __future__ import annotations

import calendar
import sys
import time
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import HUB_DIR

sys.path.insert(0, str(HUB_DIR))
import idle_gpu_notices  # noqa: E402
from budget_notices import BudgetNotices, Notice  # noqa: E402
from hub_notices import HubNotices  # noqa: E402

MONTH_END = time.time() + 86400
GPU = "NVIDIA A100 80GB PCIe 1g.5gb"


def user(name: str, **servers: str) -> Any:
    """A hub user as the announcement sees it; each server "running", "starting", "stopping" or "off"."""
    states = {"running": (True, None), "starting": (True, "spawn"), "stopping": (True, "stop"), "off": (False, None)}
    spawners = {
        server: SimpleNamespace(active=states[state][0], pending=states[state][1]) for server, state in servers.items()
    }
    return SimpleNamespace(name=name, spawners=spawners, orm_user=SimpleNamespace(orm_spawners=spawners))


def test_an_idle_gpu_and_a_budget_notice_of_one_server_show_together_and_go_separately() -> None:
    idle, budget = idle_gpu_notices.IdleGpuNotices(), BudgetNotices()
    page = HubNotices([idle, budget])
    idle.put("alice", "", idle_gpu_notices.Notice("idle", GPU))
    budget.put("alice", "", Notice("over", 201, 200, MONTH_END, stop_at=1800))
    shown = page.announcement(user("alice", **{"": "running"}))
    assert shown is not None and shown.count("<br>") == 1
    assert "almost unused" in shown and "Your budget for this month is used up: 201 of 200 CU." in shown
    idle.clear("alice", "")  # the notifier's DELETE: the idle period is over
    assert page.announcement(user("alice", **{"": "running"})) == budget.text("", budget.notices[("alice", "")])
    # stopped by the enforcer, and by the notifier: both "stopped" notices show, and both go at the next start
    idle.put("alice", "", idle_gpu_notices.Notice("stopped", GPU))
    budget.put("alice", "", Notice("stopped", 201, 200, MONTH_END))
    assert page.announcement(user("alice", **{"": "off"})).count("was stopped because") == 2
    assert page.announcement(user("alice", **{"": "starting"})) is None
    assert idle.notices == {} and budget.notices == {}
    assert page.announcement(None) is None


def test_low_and_over_show_while_the_server_runs_or_starts_stopped_while_it_stops_or_is_off() -> None:
    budget = BudgetNotices()
    budget.put("bob", "train", Notice("low", 190, 200, MONTH_END, profile="GPU: MIG 1g.5gb", cost=1))
    for state, shown in (("starting", True), ("running", True), ("stopping", False), ("off", False)):
        assert (budget.announcement(user("bob", train=state)) is not None) == shown, state
    assert ("bob", "train") in budget.notices  # kept while hidden: the server's next start replaces it
    budget.put("bob", "train", Notice("stopped", 201, 200, MONTH_END))
    # put up while the enforcer's stop is still pending: shown, not taken for a new start
    assert "was stopped" in budget.announcement(user("bob", train="stopping"))
    assert ("bob", "train") in budget.notices
    assert budget.announcement(user("carol", train="off")) is None


def test_a_budget_notice_ends_with_its_month() -> None:
    budget = BudgetNotices()
    budget.put("bob", "", Notice("stopped", 201, 200, until=time.time() - 1))
    assert budget.announcement(user("bob", **{"": "off"})) is None
    assert budget.notices == {}


def test_what_the_user_reads() -> None:
    budget = BudgetNotices()
    low = Notice("low", 190, 200, MONTH_END, profile="GPU: MIG 1g.5gb", cost=1)
    assert budget.text("", low) == (
        "Your budget is nearly used up: when your server started you had used 190 of 200 CU this month, "
        "10 left; GPU: MIG 1g.5gb costs 1 CU/h."
    )
    over = Notice("over", 200.4, 200, MONTH_END, stop_at=calendar.timegm((2026, 12, 1, 15, 50, 0)))
    assert budget.text("big<run>", over) == (
        "Your budget for this month is used up: 200.4 of 200 CU. Your server “big&lt;run&gt;” will be stopped "
        "at 2026-12-01 15:50 UTC; your files are kept. Ask the admins if you need a larger budget."
    )
    assert budget.text("", Notice("stopped", 200.5, 200, MONTH_END)) == (
        "Your server was stopped because your budget for this month is used up (200.5 of 200 CU). "
        "Your files are kept."
    )


def test_the_enforcer_may_put_over_and_stopped_only() -> None:
    budget = BudgetNotices()
    body = {"kind": "over", "used": 201, "budget": 200, "until": MONTH_END, "stop_at": 1800}
    assert budget.parse(body) == Notice("over", 201.0, 200.0, MONTH_END, 1800.0)
    assert budget.parse({**body, "kind": "stopped", "stop_at": None}).stop_at is None
    for bad in ({**body, "kind": "low"}, {**body, "used": "a lot"}, {"kind": "over"}):
        with pytest.raises(ValueError, match="Expected"):
            budget.parse(bad)
