"""Property-based: random histories of check reports, acks and restarts, against a twin
workspace that never restarts. No duplicate notification, nothing lost in a restart,
flapping bounded, reminders spaced, a firing unsilenced alert always notified."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.core.alerts import engine, notify
from console.core.base import clock, db
from console.core.base.alert_rules import parse_settings
from console.core.base.config import Thresholds
from console.core.base.workspace import Workspace
from console.core.monitoring.checks import Check, CheckReport

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
RULES = {
    name: {"enabled": False}
    for name in (
        "fpr_critical", "service_errors", "jobs_failed", "disk_full", "ingest_overdue",
        "ingest_refused", "data_drift", "cpu_high", "memory_high", "disk_high", "f1_drop",
    )
}  # fmt: skip
SETTINGS = parse_settings(
    {
        "rules": RULES | {"f1_warning": {"metric": "f1", "comparison": "<", "threshold": 0.75,
                                         "severity": "warning", "for": "20m"}},
        "reminder_every": "3h",
        "flap_window": "30m",
        "command": {"argv": ["true"]},
        "escalation": [
            {"after": "0m", "channels": ["tray"]},
            {"after": "45m", "channels": ["command"]},
        ],
    },
    Thresholds(),
    "console.toml",
)  # fmt: skip
TABLES = ("alerts", "alert_events", "alert_samples", "alert_silences", "alert_notifications")

step = st.tuples(
    st.integers(1, 120),  # minutes since the previous step
    st.sampled_from([0.5, 0.72, 0.9, None]),  # F1 of the report (None: too few labels)
    st.booleans(),  # acknowledge whatever is open
    st.booleans(),  # restart the console before this step
)


def reset(ws: Workspace) -> None:
    with db.write_transaction(ws.conn) as conn:
        for table in TABLES:
            conn.execute(f"DELETE FROM {table}")


def run(ws: Workspace, minute: int, f1: float | None, ack: bool) -> None:
    now = T0 + timedelta(minutes=minute)
    n = 10 if f1 is None else 1000
    check = Check("f1", f1 if f1 is not None else 0.1, 0.7, "ok", "", n, "1d")
    engine.evaluate(
        ws, "alice", CheckReport(1, clock.iso(now), [check]), now=now, settings=SETTINGS
    )
    if ack:
        for alert in engine.open_alerts(ws, now=now):
            if not alert.acked_by:
                engine.acknowledge(ws, "alice", alert.rule, "on it", now=now)


def record(ws: Workspace) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    events = [(e.rule, e.episode, e.at, e.kind, e.to_state) for e in engine.history(ws)]
    notes = [(n.rule, n.kind, n.level, n.channel, n.created_at) for n in notify.notifications(ws)]
    return events, notes


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(step, min_size=1, max_size=14))
def test_restarts_lose_nothing_and_nothing_is_sent_twice(
    tmp_path: Path, steps: list[tuple[int, float | None, bool, bool]]
) -> None:
    roots = [tmp_path / "steady", tmp_path / "restarted"]
    for root in roots:
        if not root.exists():
            Workspace.create(root, "alice").close()
    steady, restarted = Workspace.open(roots[0]), Workspace.open(roots[1])
    try:
        reset(steady)
        reset(restarted)
        minute = 0
        for gap, f1, ack, restart in steps:
            minute += gap
            if restart:
                restarted.close()
                restarted = Workspace.open(roots[1])
            run(steady, minute, f1, ack)
            run(restarted, minute, f1, ack)
            for alert in engine.open_alerts(steady, now=T0 + timedelta(minutes=minute)):
                if alert.state == "firing" and not alert.inhibited_by:
                    fired = [
                        n
                        for n in notify.notifications(steady, 10_000)
                        if (n.rule, n.episode, n.kind) == (alert.rule, alert.episode, "fired")
                    ]
                    assert len(fired) == 1, "a firing alert is notified exactly once"
        assert record(steady) == record(restarted)
        _, notes = record(steady)
        firsts = [(r, k, lvl, c) for r, k, lvl, c, _at in notes if k != "reminder"]
        episodes = {(r, e) for r, e, *_ in record(steady)[0]}
        assert len([f for f in firsts if f[1] == "fired"]) <= len(episodes)
        reminders = sorted(
            (r, datetime.fromisoformat(str(at))) for r, k, _l, _c, at in notes if k == "reminder"
        )
        for (r1, t1), (r2, t2) in itertools.pairwise(reminders):
            if r1 == r2 and t1 != t2:
                assert t2 - t1 >= timedelta(hours=3), "reminders are spaced"
    finally:
        steady.close()
        restarted.close()
