"""What one evaluation would do, computed without writing: transitions and notifications.

:func:`make_plan` reads the stored alerts, observes each rule's metric in the report,
advances the state machines, applies inhibition (a firing critical mutes the warning on
the same metric) and silences, and lists the notifications that are due: the first
notice of an episode (escalation step 0), the next escalation steps of an unacknowledged
critical once their ``after`` has elapsed since it fired, and a reminder every
``reminder_every`` while it stays firing and unacknowledged.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from console.core.alerts.records import state_from_row
from console.core.alerts.silences import active, silencing
from console.core.alerts.state import (
    AlertState,
    Observation,
    Outcome,
    Transition,
    _seconds,
    advance,
)
from console.core.base import clock, documents
from console.core.base.alert_rules import AlertRule, AlertSettings, EscalationStep
from console.core.monitoring.checks import Check, CheckReport

#: (alert, kind, from_state, to_state, detail)
EventRow = tuple[AlertState, str, str, str, str]
#: (dedup_key, rule, episode, kind, level, channel, target, severity, message)
NotificationRow = tuple[str, str, int, str, int, str, str, str, str]


@dataclass
class Plan:
    states: dict[str, AlertState] = field(default_factory=dict)
    transitions: list[EventRow] = field(default_factory=list)
    samples: list[tuple[str, str, float | None, str]] = field(default_factory=list)
    notifications: list[NotificationRow] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    recovery: documents.RecoveryContacts = field(
        default_factory=lambda: documents.RecoveryContacts({}, {})
    )

    @property
    def changes(self) -> bool:
        return bool(self.transitions or self.samples or self.notifications or self.touched)


def jobs_failed_check(conn: sqlite3.Connection, now: datetime) -> Check:
    """Jobs that ended ``failed`` in the last day (a crashed job is a system failure)."""
    since = clock.iso(now - timedelta(days=1))
    rows = conn.execute(
        "SELECT kind, message FROM jobs WHERE state = 'failed' AND finished_at >= ?", (since,)
    ).fetchall()
    names = ", ".join(sorted({str(r["kind"]) for r in rows}))
    return Check(
        "jobs_failed", float(len(rows)), 0.0, "critical" if rows else "ok",
        f"{len(rows)} job(s) failed in the last day" + (f": {names}" if names else ""),
        len(rows), "last 24 h",
    )  # fmt: skip


def observe(rule: AlertRule, check: Check | None, stale: str) -> Observation:
    """What the report says about ``rule``: holds, clear, or no data (and why)."""
    if stale and rule.metric != "jobs_failed":
        return Observation("no_data", explanation=stale)
    if check is None:
        return Observation("no_data", explanation=f"the check report has no {rule.metric!r}")
    threshold = rule.threshold if rule.comparison != "status" else check.threshold

    def seen(outcome: Outcome, why: str) -> Observation:
        return Observation(outcome, check.value, check.n, threshold, check.window, why)

    if check.status == "no_data":
        return seen("no_data", check.explanation)
    if rule.min_samples and (check.n is None or check.n < rule.min_samples):
        return seen("no_data", f"{check.n or 0} samples, fewer than the {rule.min_samples} needed")
    if rule.comparison != "status" and check.value is None:
        return seen("no_data", f"{rule.metric} has no value")
    holds = rule.holds(float(check.value or 0.0), check.status)
    return seen("holds" if holds else "clear", check.explanation)


def make_plan(
    conn: sqlite3.Connection, settings: AlertSettings, report: CheckReport | None, now: datetime
) -> Plan:
    plan = Plan(recovery=documents.recovery_contacts(conn))
    stored = {r["rule"]: state_from_row(r) for r in conn.execute("SELECT * FROM alerts")}
    stale = ""
    if report is not None and report.created_at:
        age = (now - datetime.fromisoformat(report.created_at)).total_seconds()
        if age > settings.stale_after_seconds:
            stale = f"the latest check report is {age / 3600:.0f} h old (from {report.created_at})"
    checks = {c.name: c for c in report.checks} if report else {}
    checks["jobs_failed"] = jobs_failed_check(conn, now)
    for rule in settings.rules:
        alert = stored.get(rule.name) or AlertState(
            rule.name, rule.metric, rule.severity, since=clock.iso(now)
        )
        plan.states[rule.name] = alert
        if rule.name not in stored:
            plan.touched.add(rule.name)
        if report is None:
            continue
        for t in advance(alert, observe(rule, checks.get(rule.metric), stale), rule, now,
                         settings.flap_window_seconds):  # fmt: skip
            plan.transitions.append((alert, t.kind, t.from_state, t.to_state, t.detail))
        if report.created_at and alert.report_at != report.created_at:
            alert.report_at = report.created_at
            status = "no_data" if alert.value is None else alert.state
            plan.samples.append((rule.name, report.created_at, alert.value, status))
    for name, alert in stored.items():  # rules removed from the configuration
        if name not in plan.states and alert.is_open:
            plan.transitions.append(_close(alert, now))
            plan.states[name] = alert
    _notifications(plan, settings, conn, now)
    return plan


def _close(alert: AlertState, now: datetime) -> EventRow:
    before = alert.state
    alert.state, alert.since, alert.resolved_at = "resolved", clock.iso(now), clock.iso(now)
    return (alert, "rule_removed", before, "resolved", "the rule is no longer configured")


def _notifications(
    plan: Plan, settings: AlertSettings, conn: sqlite3.Connection, now: datetime
) -> None:
    silences = active(conn, now)
    critical = {
        a.metric: a.rule
        for a in plan.states.values()
        if a.state == "firing" and a.severity == "critical"
    }
    for alert in plan.states.values():
        rule = settings.rule(alert.rule)
        if rule is None or silencing(silences, alert) is not None:
            continue
        if alert.severity == "warning" and alert.metric in critical:
            continue  # inhibited by the critical alert on the same metric
        steps = settings.escalation if alert.severity == "critical" else settings.escalation[:1]
        if alert.state == "firing":
            _escalate(plan, alert, rule, steps, now)
            _remind(plan, alert, rule, steps, every=settings.reminder_every_seconds, now=now)
        elif (
            alert.state == "no_data"
            and alert.severity == "critical"
            and alert.last_notified_at is None
        ):  # a critical rule gone blind: tell the tray
            tray = EscalationStep(channels=("tray",))
            _queue(plan, alert, rule, "no_data", level=0, step=tray, now=now)


def _escalate(
    plan: Plan, alert: AlertState, rule: AlertRule, steps: tuple[EscalationStep, ...], now: datetime
) -> None:
    for level, step in enumerate(steps):
        if level <= alert.escalation_level:
            continue
        if (level > 0 and alert.acked_by) or _seconds(now, alert.fired_at) < step.after_seconds:
            return
        _queue(
            plan,
            alert,
            rule,
            "fired" if level == 0 else "escalated",
            level=level,
            step=step,
            now=now,
        )
        alert.escalation_level = level
        if level > 0:
            detail = f"step {level + 1}: {', '.join(step.channels)} {', '.join(step.contacts)}"
            plan.transitions.append((alert, "escalated", alert.state, alert.state, detail.strip()))


def _remind(
    plan: Plan,
    alert: AlertState,
    rule: AlertRule,
    steps: tuple[EscalationStep, ...],
    *,
    every: int,
    now: datetime,
) -> None:
    if (
        alert.acked_by
        or alert.escalation_level < 0
        or _seconds(now, alert.last_notified_at) < every
    ):
        return
    alert.reminders += 1
    level = alert.escalation_level
    _queue(plan, alert, rule, "reminder", level=level, step=steps[level], now=now)
    plan.transitions.append((alert, "reminder", alert.state, alert.state, f"#{alert.reminders}"))


def message(alert: AlertState, rule: AlertRule, kind: str) -> str:
    head = {"fired": "", "escalated": "ESCALATED ", "reminder": "REMINDER ", "no_data": "NO DATA "}
    value = "no value" if alert.value is None else f"{alert.metric} = {alert.value:.4g}"
    n = f", n={alert.n:,}" if alert.n is not None else ""
    return (
        f"{head.get(kind, '')}[{alert.severity.upper()}] {rule.name}: "
        f"{rule.summary or rule.condition()}"
        f" — {value} ({rule.condition()}{n}). {alert.explanation} Runbook: {rule.runbook_link}"
    )


def _queue(
    plan: Plan,
    alert: AlertState,
    rule: AlertRule,
    kind: str,
    *,
    level: int,
    step: EscalationStep,
    now: datetime,
) -> None:
    text = message(alert, rule, kind)
    # the recovery contacts of this escalation level (the workspace's contacts document)
    people = [p for p in plan.recovery.at_level(level + 1) if p.get("phone") or p.get("email")]
    if people:
        reach = "; ".join(
            " ".join(x for x in (p["name"], p.get("phone", ""), p.get("email", "")) if x)
            for p in people
        )
        text += f" Recovery contacts (level {level + 1}): {reach}."
    emails = [p["email"] for p in people if p.get("email")]
    nth = alert.reminders if kind == "reminder" else 0
    for channel in step.channels:
        targets = tuple(dict.fromkeys([*step.contacts, *emails])) if channel == "email" else ("",)
        for target in targets:
            key = f"{alert.rule}:{alert.episode}:{kind}:{level}:{nth}:{channel}:{target}"
            plan.notifications.append(
                (key, alert.rule, alert.episode, kind, level, channel, target, alert.severity, text)
            )
    alert.last_notified_at = clock.iso(now)


__all__ = ["Plan", "Transition", "jobs_failed_check", "make_plan", "message", "observe"]
