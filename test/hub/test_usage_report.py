"""hub/usage_report.py (the figures of GET /hub/api/usage) against the shared corpus
(test/fixtures/usage-corpus.json), which `npm run usage` passes too (test/usage/usage-report.test.ts):
one report, the same figures and rounding in both, on a real PostgreSQL seeded with the corpus's runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import postgres_server
from usage_accounting import connect, ensure_schema
from usage_report import month_report, rounded

CORPUS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "usage-corpus.json").read_text())


@pytest.fixture(scope="module")
def conn() -> Iterator:
    with postgres_server() as url:
        connection = connect(url)
        ensure_schema(connection)
        with connection.cursor() as cur:
            for run in CORPUS["runs"]:
                cur.execute(
                    """INSERT INTO usage.sessions (user_name, server_name, profile, groups, cu_per_hour,
                           started_at, stopped_at, stop_cause)
                       VALUES (%s, %s, %s, %s, %s, %s::timestamptz, %s::timestamptz, %s)""",
                    (run["user"], run["server"], run["profile"], run["groups"], run["cuPerHour"],
                     run["start"], run["stop"], run["cause"]),
                )
        yield connection
        connection.close()


@pytest.fixture(scope="module")
def now(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT %s::timestamptz", (CORPUS["now"],))
        return cur.fetchone()[0]


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[case["name"][:60] for case in CORPUS["cases"]])
def test_the_report_matches_the_corpus(conn, now, case) -> None:
    options = case["options"]
    report = month_report(
        conn,
        options["month"],
        options["timeZone"],
        options["pricePerUnit"],
        options["currency"],
        now,
        user=options.get("user"),
        group=options.get("group"),
    )
    assert {"users": report["users"], "groups": report["groups"]} == case["expected"]
    assert (report["month"], report["timeZone"], report["currency"]) == (
        options["month"], options["timeZone"], options["currency"],
    )


def test_rounding_is_half_up_like_javascripts_math_round() -> None:
    assert rounded(0.125, 2) == 0.13  # Python's round() gives 0.12 (half to even); Math.round 0.13
    assert rounded(2.5, 0) == 3
    assert rounded(1.7665, 2) == 1.77
