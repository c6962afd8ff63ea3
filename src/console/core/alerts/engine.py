"""Evaluate the alert rules on a check report: advance, persist, notify.

:func:`evaluate` runs every rule on a :class:`CheckReport`, advances each alert's state
machine (:mod:`.state`), decides which notifications are due (first notice, escalation
along the configured path, reminders), honours silences and inhibition, and writes all
of it in ONE audited transaction (action ``alert.evaluate``). A notification row is
keyed by alert, episode, kind, level and channel (UNIQUE in the database), so no
notification is sent twice, even across restarts or by two console processes. E-mail
and site commands are delivered after the commit (:mod:`.notify`); tray, desktop and
sound notifications wait in the table for the GUI.

An evaluation that would change nothing (the timer's usual case) writes nothing, so the
audit log records only evaluations that did something.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from console.core.alerts import notify
from console.core.alerts.planning import Plan, make_plan
from console.core.alerts.records import (
    SEVERITY_RANK,
    Alert,
    AlertEvent,
    event_from_row,
    save_state,
    state_from_row,
)
from console.core.alerts.silences import active, silencing
from console.core.alerts.state import OPEN_STATES, AlertState
from console.core.base import clock
from console.core.base.alert_rules import AlertSettings, load_settings, parse_settings
from console.core.base.crash import crash_point
from console.core.base.errors import BadInput, ConfigError
from console.core.monitoring.checks import CheckReport, latest_report

if TYPE_CHECKING:
    from console.core.base.jobs import JobContext
    from console.core.base.workspace import Workspace

MAX_NOTE = 500


def evaluate(
    ws: Workspace,
    user: str,
    report: CheckReport | None,
    *,
    now: datetime | None = None,
    settings: AlertSettings | None = None,
) -> list[AlertEvent]:
    """Run the rules on ``report`` (None: only escalations, reminders, expiries)."""
    now = now or clock.now()
    settings = settings or load_settings(ws)
    ws.authorize(user, "alert.evaluate", "alerts")
    if not make_plan(ws.conn, settings, report, now).changes:
        return []
    with ws.change(user, "alert.evaluate", "alerts") as ch:
        plan = make_plan(ch.conn, settings, report, now)  # again, under the write lock
        first_event, queued = _apply(ch.conn, plan, user, now)
        ch.details = {
            "report": report.id if report else None,
            "transitions": len(plan.transitions),
            "notifications": len(plan.notifications),
        }
        rows = ch.conn.execute(
            "SELECT * FROM alert_events WHERE id >= ? ORDER BY id", (first_event,)
        )
        events = [event_from_row(r) for r in rows]
        crash_point("alert.state")
    events += notify.deliver(ws, settings, queued, now=now)
    return events


def evaluate_latest(
    ws: Workspace, user: str, *, now: datetime | None = None, ctx: JobContext | None = None
) -> list[AlertEvent]:
    """Evaluate on the latest stored check report (the timer and ``console alerts evaluate``);
    as a job, a cancel before it starts stops it."""
    if ctx is not None:
        ctx.check()
    return evaluate(ws, user, latest_report(ws), now=now)


def _apply(conn: sqlite3.Connection, plan: Plan, user: str, now: datetime) -> tuple[int, list[int]]:
    """Write the plan; return the first new event id and the new e-mail/command rows."""
    at = clock.iso(now)
    first = int(conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM alert_events").fetchone()[0])
    for alert in plan.states.values():
        alert.evaluated_at = at
        save_state(conn, alert)
    for alert, kind, from_state, to_state, detail in plan.transitions:
        conn.execute(
            "INSERT INTO alert_events (rule, episode, at, kind, from_state, to_state, severity, "
            "metric, value, user, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (alert.rule, alert.episode, at, kind, from_state, to_state, alert.severity,
             alert.metric, alert.value, user, detail),
        )  # fmt: skip
    conn.executemany("INSERT OR IGNORE INTO alert_samples VALUES (?,?,?,?)", plan.samples)
    queued: list[int] = []
    for row in plan.notifications:
        cur = conn.execute(
            "INSERT OR IGNORE INTO alert_notifications (dedup_key, rule, episode, kind, level, "
            "channel, target, severity, message, created_at, status) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,'queued')",
            (*row, at),
        )
        if cur.rowcount == 1 and row[5] in ("email", "command"):
            queued.append(int(cur.lastrowid or 0))
    return first, queued


# ---------------------------------------------------------------------- reading
def _alert(
    state: AlertState, settings: AlertSettings, silenced: int | None, by: str | None
) -> Alert:
    rule = settings.rule(state.rule)
    return Alert(
        rule=state.rule, metric=state.metric, severity=state.severity, state=state.state,
        episode=state.episode, since=state.since, fired_at=state.fired_at,
        resolved_at=state.resolved_at, value=state.value, threshold=state.threshold, n=state.n,
        window=state.window, explanation=state.explanation,
        condition=rule.condition() if rule else "", summary=rule.summary if rule else "",
        runbook=rule.runbook_link if rule else "", acked_by=state.acked_by,
        acked_at=state.acked_at, ack_note=state.ack_note,
        escalation_level=state.escalation_level, flapping=state.flapping,
        silenced_by=silenced, inhibited_by=by,
    )  # fmt: skip


def all_alerts(
    ws: Workspace, *, now: datetime | None = None, settings: AlertSettings | None = None
) -> list[Alert]:
    """Every alert the workspace knows (any state), worst first, oldest first."""
    now = now or clock.now()
    if settings is None:
        try:
            settings = load_settings(ws)
        except ConfigError:  # reading must not hide alerts; evaluating refuses the file
            settings = parse_settings({}, ws.config.thresholds, "defaults")
    states = [state_from_row(r) for r in ws.conn.execute("SELECT * FROM alerts")]
    silences = active(ws.conn, now)
    critical = {
        s.metric: s.rule for s in states if s.state == "firing" and s.severity == "critical"
    }
    out = [
        _alert(
            s,
            settings,
            silencing(silences, s),
            critical.get(s.metric) if s.severity == "warning" and s.is_open else None,
        )
        for s in states
    ]
    order = {"firing": 0, "no_data": 1, "pending": 2, "resolved": 3, "inactive": 4}
    return sorted(
        out, key=lambda a: (order[a.state], SEVERITY_RANK[a.severity], a.fired_at or a.since)
    )


def open_alerts(ws: Workspace, *, now: datetime | None = None) -> list[Alert]:
    """Pending, firing and no-data alerts: critical first, then the oldest."""
    return [a for a in all_alerts(ws, now=now) if a.state in OPEN_STATES]


@dataclass(frozen=True)
class AlertCounts:
    """How many alerts are open now, counted once for every view (badge, tray, Overview
    tile, Alerts page). ``loud``: firing and neither silenced nor inhibited."""

    open: int
    firing: int
    loud: int
    critical: int  # loud and critical
    quiet: int  # firing but silenced or inhibited
    pending: int
    no_data: int

    #: the window every count refers to
    window = "open now"

    @property
    def worst(self) -> str:
        return "critical" if self.critical else "warning" if self.loud else ""

    @property
    def headline(self) -> str:
        """E.g. "3 firing (2 critical)"."""
        return f"{self.loud} firing ({self.critical} critical)"

    @property
    def rest(self) -> str:
        """The open alerts that do not fire loudly, e.g. "1 quiet · 2 pending · 0 without data"."""
        return f"{self.quiet} quiet · {self.pending} pending · {self.no_data} without data"


def count_alerts(alerts: list[Alert]) -> AlertCounts:
    """Count ``alerts`` (the open ones are counted; others are ignored)."""
    opened = [a for a in alerts if a.state in OPEN_STATES]
    firing = [a for a in opened if a.state == "firing"]
    loud = [a for a in firing if a.silenced_by is None and not a.inhibited_by]
    return AlertCounts(
        open=len(opened),
        firing=len(firing),
        loud=len(loud),
        critical=sum(a.severity == "critical" for a in loud),
        quiet=len(firing) - len(loud),
        pending=sum(a.state == "pending" for a in opened),
        no_data=sum(a.state == "no_data" for a in opened),
    )


def alert_counts(ws: Workspace, *, now: datetime | None = None) -> AlertCounts:
    """The counts of the alerts open now (see :class:`AlertCounts`)."""
    return count_alerts(open_alerts(ws, now=now))


def acknowledge(
    ws: Workspace, user: str, rule: str, note: str = "", *, now: datetime | None = None
) -> Alert:
    """Acknowledge an open alert (role alert.ack): reminders and escalation stop."""
    now = now or clock.now()
    note = note.strip()
    with ws.change(user, "alert.ack", rule) as ch:
        row = ch.conn.execute("SELECT * FROM alerts WHERE rule = ?", (rule,)).fetchone()
        if row is None:
            raise BadInput(f"alert {rule!r}: no such alert")
        state = state_from_row(row)
        if not state.is_open:
            raise BadInput(
                f"alert {rule!r} is {state.state}: only an open alert can be acknowledged"
            )
        if len(note) > MAX_NOTE:
            raise BadInput(f"acknowledge note: at most {MAX_NOTE} characters")
        acked = replace(state, acked_by=user, acked_at=clock.iso(now), ack_note=note)
        save_state(ch.conn, acked)
        ch.conn.execute(
            "INSERT INTO alert_events (rule, episode, at, kind, from_state, to_state, severity, "
            "metric, value, user, detail) VALUES (?,?,?,'acknowledged',?,?,?,?,?,?,?)",
            (rule, state.episode, clock.iso(now), state.state, state.state, state.severity,
             state.metric, state.value, user, note),
        )  # fmt: skip
        ch.details = {"episode": state.episode, "note": note}
    return next(a for a in all_alerts(ws, now=now) if a.rule == rule)


@dataclass(frozen=True)
class HistoryFilter:
    rule: str | None = None
    kind: str | None = None
    severity: str | None = None
    since: datetime | None = None
    limit: int = 200
    kinds: tuple[str, ...] = field(default=())


def history(ws: Workspace, flt: HistoryFilter | None = None) -> list[AlertEvent]:
    """Alert events, newest first, filtered by rule, kind, severity and time."""
    flt = flt or HistoryFilter()
    where, params = ["1=1"], []
    for column, value in (("rule", flt.rule), ("kind", flt.kind), ("severity", flt.severity)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if flt.since:
        where.append("at >= ?")
        params.append(clock.iso(flt.since))
    if flt.kinds:
        where.append(f"kind IN ({','.join('?' * len(flt.kinds))})")
        params.extend(flt.kinds)
    rows = ws.conn.execute(
        f"SELECT * FROM alert_events WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
        (*params, max(1, flt.limit)),
    )
    return [event_from_row(r) for r in rows]


def samples(
    ws: Workspace, rule: str, *, days: int = 60, now: datetime | None = None
) -> list[tuple[str, float | None, str]]:
    """The metric's values at each evaluated check report (for the alert's plot)."""
    since = clock.iso((now or clock.now()) - timedelta(days=days))
    rows = ws.conn.execute(
        "SELECT at, value, status FROM alert_samples WHERE rule = ? AND at >= ? ORDER BY at",
        (rule, since),
    )
    return [(str(r[0]), r[1], str(r[2])) for r in rows]
