"""Usage accounting: server runtime in compute units (CU), stored in the hub's PostgreSQL.

One row per server run in table usage.sessions (schema `usage`, created here, idempotently, when the
hub starts): user, server name, profile, the user's groups, CU per hour, resources, start, stop and
the cause of the stop. Runtime per month is the overlap of each run with the month (months begin in
the settings' time zone), so a run across midnight of the 1st is split and a run still going counts
up to now. The writes come from JupyterHub's own event (jupyter_events, schema server-action: a
start) and the spawner's post_stop_hook (every stop, also a server found dead); a hub restart loses
no minutes, since a running server's row stays open and `recover` opens rows for running servers
that have none (jupyterhub_config.py wires it). Static, like the rest of hub/; psycopg2 (in the hub
image: JupyterHub's own PostgreSQL driver).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import psycopg2

SERVER_ACTION = "https://schema.jupyter.org/jupyterhub/events/server-action"

DDL = (
    "CREATE SCHEMA IF NOT EXISTS usage",
    """CREATE TABLE IF NOT EXISTS usage.sessions (
        id bigserial PRIMARY KEY,
        user_name text NOT NULL,
        server_name text NOT NULL DEFAULT '',
        profile text NOT NULL,
        groups text[] NOT NULL DEFAULT '{}',
        cu_per_hour double precision NOT NULL CHECK (cu_per_hour >= 0),
        resources jsonb NOT NULL DEFAULT '{}',
        started_at timestamptz NOT NULL,
        stopped_at timestamptz,
        stop_cause text,
        CHECK (stopped_at IS NULL OR stopped_at >= started_at)
    )""",
    # At most one open run per server: a repeated start event or a recovery is a no-op.
    "CREATE UNIQUE INDEX IF NOT EXISTS sessions_open ON usage.sessions (user_name, server_name)"
    " WHERE stopped_at IS NULL",
    "CREATE INDEX IF NOT EXISTS sessions_user_start ON usage.sessions (user_name, started_at)",
    # Why a stopper (the profile culler) is about to stop a server: the run's stop takes the cause.
    """CREATE TABLE IF NOT EXISTS usage.stop_requests (
        user_name text NOT NULL,
        server_name text NOT NULL,
        cause text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_name, server_name)
    )""",
)

# The overlap of each run with [start, end), in hours; a run still open counts up to `now`.
OVERLAP_HOURS = """GREATEST(0, EXTRACT(EPOCH FROM (
    LEAST(COALESCE(stopped_at, %(now)s), %(end)s) - GREATEST(started_at, %(start)s)))) / 3600.0"""
IN_RANGE = "started_at < %(end)s AND COALESCE(stopped_at, %(now)s) > %(start)s AND started_at < %(now)s"


def connection_url(url: str) -> str:
    """A libpq URL from the hub's SQLAlchemy one (postgresql+psycopg2://...)."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgres") else url


def connect(url: str):
    """Autocommit; bounded waits, since the hub calls this on its event loop: 5 s to connect, 5 s a statement."""
    conn = psycopg2.connect(connection_url(url), connect_timeout=5, options="-c statement_timeout=5000")
    conn.autocommit = True
    return conn


# What DDL makes, qualified ("usage.sessions_open"): when all exist, ensure_schema runs no DDL.
SCHEMA_OBJECTS = tuple(
    name if "." in name else f"usage.{name}"
    for name in re.findall(r"CREATE (?:UNIQUE )?(?:TABLE|INDEX) IF NOT EXISTS ([\w.]+)", "\n".join(DDL))
)


def ensure_schema(conn) -> bool:
    """Make the schema where something is missing; True when DDL ran. An existing schema is only
    looked up: CREATE INDEX IF NOT EXISTS locks its table (SHARE) even when the index exists, so it
    would wait behind any open write and stall the hub's start, which runs this."""
    with conn.cursor() as cur:
        cur.execute("SELECT " + ", ".join(["to_regclass(%s) IS NOT NULL"] * len(SCHEMA_OBJECTS)), SCHEMA_OBJECTS)
        if all(cur.fetchone()):
            return False
        for statement in DDL:
            cur.execute(statement)
    return True


def month_bounds(month: str, time_zone: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of YYYY-MM in the time zone."""
    year, number = (int(part) for part in month.split("-"))
    zone = ZoneInfo(time_zone)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start, end


def month_of(at: datetime, time_zone: str) -> str:
    return at.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Run:
    user: str
    server: str
    profile: str
    groups: tuple[str, ...]
    cu_per_hour: float
    resources: Mapping[str, Any]
    started_at: datetime


def record_start(conn, run: Run) -> bool:
    """Open a row for the run; False when the server already has an open one (nothing written).
    It starts no earlier than the server's last closed run ended: a run reopened from the server's
    start time (recovery, after a stop that closed the run but did not stop the server) counts no
    minute twice."""
    return record_starts(conn, [run]) == 1


def record_starts(conn, runs: Iterable[Run]) -> int:
    """record_start for many runs in one statement (a hub start recovers every running server); the
    number of rows opened."""
    rows = [
        {
            "user_name": run.user,
            "server_name": run.server,
            "profile": run.profile,
            "groups": list(run.groups),
            "cu_per_hour": run.cu_per_hour,
            "resources": dict(run.resources),
            "started_at": run.started_at.isoformat(),
        }
        for run in runs
    ]
    if not rows:
        return 0
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO usage.sessions
                   (user_name, server_name, profile, groups, cu_per_hour, resources, started_at)
               SELECT r.user_name, r.server_name, r.profile, r.groups, r.cu_per_hour, r.resources,
                      GREATEST(r.started_at, (SELECT max(s.stopped_at) FROM usage.sessions s
                               WHERE s.user_name = r.user_name AND s.server_name = r.server_name))
               FROM jsonb_to_recordset(%s::jsonb) AS r(user_name text, server_name text, profile text,
                    groups text[], cu_per_hour double precision, resources jsonb, started_at timestamptz)
               ON CONFLICT (user_name, server_name) WHERE stopped_at IS NULL DO NOTHING""",
            (json.dumps(rows),),
        )
        return cur.rowcount


def record_stop(conn, user: str, server: str, at: datetime, cause: str) -> float | None:
    """Close the server's open row at `at` (never before its start); its runtime in seconds, or None
    when none was open."""
    closed = close_run(conn, user, server, at, cause)
    return closed[0] if closed else None


def close_run(conn, user: str, server: str, at: datetime, cause: str) -> tuple[float, str] | None:
    """record_stop's work: (runtime in seconds, the cause stored: a stop request's, else `cause`)."""
    with conn.cursor() as cur:
        cur.execute(
            """WITH asked AS (DELETE FROM usage.stop_requests WHERE user_name = %(user)s
                              AND server_name = %(server)s RETURNING cause, requested_at)
               UPDATE usage.sessions SET stopped_at = GREATEST(%(at)s, started_at),
                   stop_cause = COALESCE((SELECT cause FROM asked
                                          WHERE requested_at > %(at)s - interval '10 minutes'), %(cause)s)
               WHERE user_name = %(user)s AND server_name = %(server)s AND stopped_at IS NULL
               RETURNING EXTRACT(EPOCH FROM stopped_at - started_at), stop_cause""",
            {"at": at, "cause": cause, "user": user, "server": server},
        )
        row = cur.fetchone()
        return (float(row[0]), row[1]) if row else None


def request_stop_cause(conn, user: str, server: str, cause: str) -> None:
    """Note why the server is about to be stopped (within 10 minutes): record_stop takes this cause."""
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO usage.stop_requests (user_name, server_name, cause) VALUES (%s, %s, %s)
               ON CONFLICT (user_name, server_name) DO UPDATE SET cause = EXCLUDED.cause, requested_at = now()""",
            (user, server, cause),
        )


def recover(conn, running: Iterable[Run], at: datetime) -> dict[str, int]:
    """After a hub start: open rows for running servers that have none (from their start time in the
    hub's state), and close at `at` the open rows of servers the hub no longer runs."""
    running = list(running)
    opened = record_starts(conn, running)
    keys = {(run.user, run.server) for run in running}
    closed = 0
    with conn.cursor() as cur:
        cur.execute("SELECT user_name, server_name FROM usage.sessions WHERE stopped_at IS NULL")
        for user, server in cur.fetchall():
            if (user, server) not in keys:
                closed += record_stop(conn, user, server, at, "gone-at-hub-start") is not None
    return {"opened": opened, "closed": closed}


def used_cu(conn, user: str, start: datetime, end: datetime, now: datetime) -> float:
    """CU the user used in [start, end), open runs up to now."""
    with conn.cursor() as cur:
        cur.execute(
            f"SELECT COALESCE(SUM(({OVERLAP_HOURS}) * cu_per_hour), 0) FROM usage.sessions"
            f" WHERE user_name = %(user)s AND {IN_RANGE}",
            {"user": user, "start": start, "end": end, "now": now},
        )
        return float(cur.fetchone()[0])


def usage_by_profile(conn, start: datetime, end: datetime, now: datetime) -> list[dict[str, Any]]:
    """Per user and profile: hours and CU in [start, end), with the groups and start of the last run
    of that profile in the range (`last_started`: the report takes the groups of the user's last run)."""
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT user_name, profile, SUM({OVERLAP_HOURS}), SUM(({OVERLAP_HOURS}) * cu_per_hour),
                       (array_agg(array_to_string(groups, ',') ORDER BY started_at DESC))[1], MAX(started_at)
                FROM usage.sessions WHERE {IN_RANGE}
                GROUP BY user_name, profile ORDER BY user_name, profile""",
            {"start": start, "end": end, "now": now},
        )
        return [
            {
                "user": u,
                "profile": p,
                "hours": float(h),
                "cu": float(cu),
                "groups": g.split(",") if g else [],
                "last_started": last,
            }
            for u, p, h, cu, g, last in cur.fetchall()
        ]


class ServerActionHandler(logging.Handler):
    """A logging handler for JupyterHub's EventLogger (c.EventLogger.handlers): each server-action
    event calls on_start(username, servername) or on_stop(username, servername). The event is emitted
    after the spawn succeeded (a start) or the stop finished."""

    def __init__(self, on_start, on_stop) -> None:
        super().__init__(level=logging.INFO)
        self.on_start, self.on_stop = on_start, on_stop

    def __deepcopy__(self, memo):
        return self  # traitlets deep-copies c.EventLogger.handlers; a handler holds a lock

    def emit(self, record: logging.LogRecord) -> None:
        event = record.msg
        if not isinstance(event, Mapping) or event.get("__schema__") != SERVER_ACTION:
            return
        try:
            handler = self.on_start if event.get("action") == "start" else self.on_stop
            handler(event["username"], event.get("servername") or "")
        except Exception:  # accounting must never fail a spawn; the error is logged
            logging.getLogger("JupyterHub.usage").exception("usage: recording %s failed", event)
