"""The admins' usage report as a page of the hub: GET /hub/usage?month=YYYY-MM[&user=][&group=][&format=csv].

The figures of GET /hub/api/usage (usage_report.month_report, usage_handlers.py), shown in
JupyterHub's own page template (templates/usage.html extends page.html) with a month picker; the
month defaults to the current one in the settings' time zone. `format=csv` downloads the report as
`npm run usage -- --csv` prints it (usage/format.ts: one row per user and profile, the same
rounding). Admins only (the admin flag or an admin group): others get the hub's 403 page. The nav
bar's "Usage" link for admins is templates/page.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg2
import usage_accounting as accounting
from jupyterhub.handlers.base import BaseHandler
from profile_access import admin_request
from tornado import web
from usage_report import MONTH, month_report


def fixed(value: float, places: int) -> str:
    """JavaScript's toFixed: the exact value rounded, a tie upwards (Python's format rounds a tie to even)."""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def report_csv(report: Mapping[str, Any]) -> str:
    """usage/format.ts reportCsv, row for row."""

    def quote(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in '",\n') else value

    rows = [["month", "user", "groups", "profile", "hours", "cu", "cost", "currency"]]
    for user in report["users"]:
        for p in user["profiles"]:
            cost = fixed(p["cu"] * report["pricePerUnit"], 2)
            groups = " ".join(user["groups"])
            hours, cu = fixed(p["hours"], 3), fixed(p["cu"], 3)
            rows.append([report["month"], user["user"], groups, p["profile"], hours, cu, cost, report["currency"]])
    return "".join(",".join(quote(cell) for cell in row) + "\n" for row in rows)


class UsagePageHandler(BaseHandler):
    def initialize(self, hooks, usage: Mapping[str, Any], admin_groups: frozenset[str]) -> None:
        self.hooks, self.usage, self.admin_groups = hooks, usage, admin_groups

    @web.authenticated
    async def get(self) -> None:
        if not admin_request(self, self.admin_groups):
            raise web.HTTPError(403, "Only admins see the usage report.")
        zone, now = self.usage["time_zone"], accounting.now_utc()
        month = self.get_argument("month", None) or accounting.month_of(now, zone)
        if not MONTH.match(month):
            raise web.HTTPError(400, f"month={month}: give YYYY-MM, e.g. 2026-11")
        name, group = self.get_argument("user", None) or None, self.get_argument("group", None) or None
        price, currency = self.usage["price_per_unit"], self.usage["currency"]
        try:
            report = self.hooks.call(month_report, month, zone, price, currency, now, name, group)
        except psycopg2.Error as error:
            self.log.error("usage: the report page for %s failed: %s", month, error)
            raise web.HTTPError(503, "The usage database cannot be read now; try again in a minute.") from error
        if self.get_argument("format", None) == "csv":
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Content-Disposition", f'attachment; filename="usage-{month}.csv"')
            self.finish(report_csv(report))
            return
        query = {"month": month, **({"user": name} if name else {}), **({"group": group} if group else {})}
        html = await self.render_template("usage.html", report=report, fixed=fixed, query=query)
        self.finish(html)


def usage_page_handlers(hooks, usage: Mapping[str, Any], admin_groups: frozenset[str]):
    return [(r"/usage", UsagePageHandler, {"hooks": hooks, "usage": usage, "admin_groups": admin_groups})]
