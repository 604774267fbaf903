"""The budget notices on a user's hub pages (JupyterHub's announcement slot, hub_notices.py, beside the
idle-GPU notices), one per (user, server):

- low: the check before a spawn let the start through with little budget left (below
  usage.warn_below CU; usage_hooks.check puts it up in the hub's own process). Shown while that
  server runs; the server's next start replaces it, or takes it down when the budget is no longer short.
- over: the user is at or over the month's budget and the budget enforcer will stop the server at
  `stop_at` (budget_enforcer.py). Put up again every round with the current figures (so also after
  a hub restart), taken down when the server no longer counts as over budget (budget raised, a new
  month, the server stopped by its user).
- stopped: the enforcer stopped the server. Shown while it does not run; goes when it runs again.

Every budget notice ends with its month (`until`, the first instant of the next month in
usage.time_zone): a new month brings a new budget. The enforcer, a hub service, uses the hub's API
(scope custom:budget-notices:write, which only its role holds):

PUT    /hub/api/budget-notices/USER[/SERVER]   {"kind": "over" | "stopped", "used": CU, "budget": CU,
                                                "until": epoch, "stop_at": epoch | null}
DELETE /hub/api/budget-notices/USER[/SERVER]

In the hub's memory like the other notices: a hub restart forgets "low" and "stopped" ones.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html import escape
from typing import Any

from hub_notices import NoticeBoard, server_phrase
from usage_budget import cu

SCOPE = "custom:budget-notices:write"
DESCRIPTION = "Put up and take down the budget notices on users' hub pages."
CUSTOM_SCOPES = {SCOPE: {"description": DESCRIPTION}}
SHAPE = '{"kind": "over" | "stopped", "used": CU, "budget": CU, "until": epoch, "stop_at": epoch | null}'


@dataclass(frozen=True)
class Notice:
    kind: str  # low | over | stopped
    used: float  # CU used this month, when the notice was put up
    budget: float
    until: float  # seconds since the epoch: the month's end
    stop_at: float | None = None  # over: when the enforcer stops the server
    profile: str = ""  # low: the profile started and its CU/h
    cost: float = 0.0


def when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))


class BudgetNotices(NoticeBoard):
    topic, scope, description = "budget", SCOPE, DESCRIPTION
    while_running = frozenset({"low", "over"})

    def parse(self, body: dict[str, Any]) -> Notice:
        numbers = [body.get(key) for key in ("used", "budget", "until")]
        stop_at = body.get("stop_at")
        if body.get("kind") not in ("over", "stopped") or not all(isinstance(n, (int, float)) for n in numbers):
            raise ValueError(f"Expected {SHAPE}.")
        used, budget, until = (float(n) for n in numbers)
        return Notice(body["kind"], used, budget, until, float(stop_at) if stop_at else None)

    def expired(self, notice: Notice) -> bool:
        return time.time() >= notice.until

    def text(self, server: str, notice: Notice) -> str:
        figures = f"{cu(notice.used)} of {cu(notice.budget)} CU"
        if notice.kind == "low":
            left = cu(max(0.0, notice.budget - notice.used))
            return (
                f"Your budget is nearly used up: when {server_phrase(server, 'your')} started you had used "
                f"{figures} this month, {left} left; {escape(notice.profile)} costs {cu(notice.cost)} CU/h."
            )
        if notice.kind == "stopped":
            return (
                f"{server_phrase(server)} was stopped because your budget for this month is used up "
                f"({figures}). Your files are kept."
            )
        stop = f" {server_phrase(server)} will be stopped at {when(notice.stop_at)}; your files are kept." if notice.stop_at else ""
        return f"Your budget for this month is used up: {figures}.{stop} Ask the admins if you need a larger budget."
