"""The monthly usage report in the hub (GET /hub/api/usage, usage_handlers.py): the same figures, in the
same shape and rounding, as `npm run usage -- --json` (usage/report.ts). The two are held together by
one hand-computed corpus both pass (test/fixtures/usage-corpus.json): per user and profile the hours
and CU of the month (usage_accounting.usage_by_profile: each run's overlap with the month, open runs
up to now), per user the totals and the cost, per group the users' totals; a user counts in the
groups of their last run of the month.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

import usage_accounting as accounting

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def rounded(value: float, places: int) -> float:
    """Half away from zero for the report's non-negative figures, as JavaScript's Math.round."""
    scale = 10**places
    return math.floor(value * scale + 0.5) / scale


def month_report(
    conn,
    month: str,
    time_zone: str,
    price_per_unit: float,
    currency: str,
    now: datetime,
    user: str | None = None,
    group: str | None = None,
) -> dict[str, Any]:
    """The report of `month` (YYYY-MM) in `time_zone`, narrowed to a user and/or a group."""
    start, end = accounting.month_bounds(month, time_zone)
    rows = accounting.usage_by_profile(conn, start, end, now)

    def cost(cu: float) -> float:
        return rounded(cu * price_per_unit, 2)

    by_user: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_user.setdefault(row["user"], []).append(row)
    users = []
    for name, own in by_user.items():
        cu = rounded(sum(row["cu"] for row in own), 3)
        users.append(
            {
                "user": name,
                "groups": max(own, key=lambda row: row["last_started"])["groups"],
                "profiles": [
                    {"profile": row["profile"], "hours": rounded(row["hours"], 3), "cu": rounded(row["cu"], 3)}
                    for row in own
                ],
                "hours": rounded(sum(row["hours"] for row in own), 3),
                "cu": cu,
                "cost": cost(cu),
            }
        )
    chosen = [u for u in users if (not user or u["user"] == user) and (not group or group in u["groups"])]
    names = sorted({g for u in chosen for g in u["groups"]})
    groups = []
    for name in names:
        if group and name != group:
            continue
        members = [u for u in chosen if name in u["groups"]]
        cu = rounded(sum(u["cu"] for u in members), 3)
        groups.append(
            {
                "group": name,
                "users": len(members),
                "hours": rounded(sum(u["hours"] for u in members), 3),
                "cu": cu,
                "cost": cost(cu),
            }
        )
    return {
        "month": month,
        "timeZone": time_zone,
        "pricePerUnit": price_per_unit,
        "currency": currency,
        "users": chosen,
        "groups": groups,
    }
