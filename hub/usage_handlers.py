"""The admins' usage report in the hub, served by the hub itself because the accounting connection and
the settings (time zone, price, currency) are there; registered through JupyterHub.extra_handlers
like capacity_handlers.py (docs/architecture.md says why).

GET /hub/api/usage?month=YYYY-MM[&user=NAME][&group=NAME][&format=csv]
    admins only (the admin flag or an admin group, as for the profiles): the month's report as JSON,
    the same figures and shape as `npm run usage -- --json` (usage_report.py), or with format=csv as
    `npm run usage -- --csv` prints it; the page /hub/usage is usage_page.py. The month defaults to
    the current one in the settings' time zone. 400 for a month not in YYYY-MM, 403 for anyone else,
    503 when the accounting database cannot be read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import psycopg2
import usage_accounting as accounting
from jupyterhub.apihandlers.base import APIHandler
from profile_access import admin_request
from tornado import web
from usage_page import report_csv
from usage_report import MONTH, month_report


class UsageReportHandler(APIHandler):
    def initialize(self, hooks, usage: Mapping[str, Any], admin_groups: frozenset[str]) -> None:
        self.hooks, self.usage, self.admin_groups = hooks, usage, admin_groups

    @web.authenticated
    def get(self) -> None:
        if not admin_request(self, self.admin_groups):
            raise web.HTTPError(403, "Only admins see the usage report.")
        zone = self.usage["time_zone"]
        now = accounting.now_utc()
        month = self.get_argument("month", None) or accounting.month_of(now, zone)
        if not MONTH.match(month):
            raise web.HTTPError(400, f"month={month}: give YYYY-MM, e.g. 2026-11")
        try:
            report = self.hooks.call(
                month_report,
                month,
                zone,
                self.usage["price_per_unit"],
                self.usage["currency"],
                now,
                self.get_argument("user", None) or None,
                self.get_argument("group", None) or None,
            )
        except psycopg2.Error as error:
            self.log.error("usage: the report for %s failed: %s", month, error)
            raise web.HTTPError(503, "The usage database cannot be read now; try again in a minute.") from error
        if self.get_argument("format", None) == "csv":  # as `npm run usage -- --csv` (usage_page.report_csv)
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.write(report_csv(report))
            return
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps(report))


def usage_handlers(hooks, usage: Mapping[str, Any], admin_groups: frozenset[str]):
    return [(r"/api/usage", UsageReportHandler, {"hooks": hooks, "usage": usage, "admin_groups": admin_groups})]
