"""When the budget enforcer (budget_enforcer.py) warned each running server over budget, kept in the
usage database (table usage.budget_warnings, beside usage.sessions; made by the enforcer on start) so
a hub restart, which restarts the enforcer, neither starts the grace period over nor warns the same
run a second time. One row per server warned: the run (the server's start as the hub reports it; a
new start of the server is a new run) and when. A row goes when its server no longer counts as over
budget: the run ended, the budget was raised, a new month began.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

Key = tuple[str, str]  # (user, server name; "" is the default server)

DDL = (
    "CREATE SCHEMA IF NOT EXISTS usage",
    """CREATE TABLE IF NOT EXISTS usage.budget_warnings (
        user_name text NOT NULL,
        server_name text NOT NULL,
        server_started timestamptz,
        warned_at timestamptz NOT NULL,
        PRIMARY KEY (user_name, server_name)
    )""",
)


class Warned(NamedTuple):
    server_started: datetime | None  # the run warned
    warned_at: datetime


def ensure_table(conn) -> None:
    with conn.cursor() as cur:
        for statement in DDL:
            cur.execute(statement)


def load(conn) -> dict[Key, Warned]:
    with conn.cursor() as cur:
        cur.execute("SELECT user_name, server_name, server_started, warned_at FROM usage.budget_warnings")
        return {(user, server): Warned(started, at) for user, server, started, at in cur.fetchall()}


def warn(conn, key: Key, server_started: datetime | None, warned_at: datetime) -> tuple[bool, Warned]:
    """Record that the server's run was warned now: (True, the new row); or (False, the row that
    stands) when that run's warning is in the table already (another enforcer wrote it meanwhile)."""
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO usage.budget_warnings AS w (user_name, server_name, server_started, warned_at)
               VALUES (%s, %s, %s, %s)
               ON CONFLICT (user_name, server_name)
               DO UPDATE SET server_started = EXCLUDED.server_started, warned_at = EXCLUDED.warned_at
               WHERE w.server_started IS DISTINCT FROM EXCLUDED.server_started
               RETURNING server_started, warned_at""",
            (*key, server_started, warned_at),
        )
        row = cur.fetchone()
        if row:
            return True, Warned(*row)
        cur.execute(
            "SELECT server_started, warned_at FROM usage.budget_warnings WHERE user_name = %s AND server_name = %s",
            key,
        )
        return False, Warned(*cur.fetchone())


def forget(conn, keys: Iterable[Key]) -> None:
    keys = list(keys)
    if not keys:
        return
    with conn.cursor() as cur:
        cur.execute(
            """DELETE FROM usage.budget_warnings w USING unnest(%s::text[], %s::text[]) AS k(u, s)
               WHERE w.user_name = k.u AND w.server_name = k.s""",
            ([user for user, _ in keys], [server for _, server in keys]),
        )
