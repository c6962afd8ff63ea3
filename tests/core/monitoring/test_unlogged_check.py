"""The unlogged_records check: a warning naming the count and the first ids when the
scoring service answered records it did not log, and an alert fires on it."""

from __future__ import annotations

import datetime as dt
import json

from console.core.alerts import check_run, engine
from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.monitoring import checks
from console.core.monitoring.unlogged import unlogged_check


def unlogged(ws: Workspace, at: dt.datetime, count: int, ids: list[str]) -> None:
    with ws.conn:
        ws.conn.execute(
            "INSERT INTO service_unlogged (at, source, reason, records, first_ids) "
            "VALUES (?, 'service:8765', 'duplicate id', ?, ?)",
            (clock.iso(at), count, json.dumps(ids)),
        )


def test_nothing_unlogged_is_ok(workspace: Workspace) -> None:
    check = unlogged_check(workspace, clock.now())
    assert (check.status, check.value, check.window) == ("ok", 0.0, "24h")


def test_duplicates_in_the_last_day_are_a_warning_naming_count_and_ids(
    workspace: Workspace,
) -> None:
    now = clock.now()
    unlogged(workspace, now - dt.timedelta(hours=30), 5, ["too-old"])
    unlogged(workspace, now - dt.timedelta(hours=3), 2, ["t-7", "t-9"])
    unlogged(workspace, now - dt.timedelta(minutes=5), 12, [f"u-{n}" for n in range(10)])
    check = unlogged_check(workspace, now)
    assert (check.status, check.value, check.n) == ("warning", 14.0, 14)
    assert check.explanation.startswith("14 scored records not logged in the last 24 h")
    assert "their id was already stored (first: t-7, t-9, u-0," in check.explanation
    assert "too-old" not in check.explanation
    assert check.explanation.endswith("u-7, …)")  # 10 ids named of 14


def test_the_daily_and_live_checks_carry_it_and_the_alert_fires(workspace: Workspace) -> None:
    unlogged(workspace, clock.now() - dt.timedelta(minutes=1), 3, ["a", "b", "c"])
    run = check_run.check_and_evaluate(workspace, "alice")
    [found] = [c for c in run.report.checks if c.name == "unlogged_records"]
    assert found.status == "warning"
    alerts = {a.rule: a for a in engine.open_alerts(workspace)}
    assert "unlogged_records" in alerts
    assert "first: a, b, c" in alerts["unlogged_records"].explanation
    live = checks.run_live_checks(workspace, "alice")
    assert next(c for c in live.checks if c.name == "unlogged_records").status == "warning"
