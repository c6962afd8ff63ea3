"""The lifecycle of one alert, as a pure function of its state, an observation and time.

States: ``inactive`` -> ``pending`` (the condition holds, its ``for`` duration has not
elapsed) -> ``firing`` -> ``resolved``; ``pending`` falls back to ``inactive`` when the
condition clears; ``no_data`` is its own state (a stale or too-thin feed is a finding).

An *episode* is one stretch of trouble: it starts when a quiet alert (inactive or
resolved) sees its condition, and every notification is keyed by it, so an episode
notifies once. A condition that returns within the flap window of its resolution
re-opens the same episode instead of starting a new one: flapping does not spam.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from console.core.base import clock
from console.core.base.alert_rules import AlertRule

OPEN_STATES = ("pending", "firing", "no_data")
Outcome = Literal["holds", "clear", "no_data"]


@dataclass(frozen=True)
class Observation:
    """What the latest check report says about a rule's metric."""

    outcome: Outcome
    value: float | None = None
    n: int | None = None
    threshold: float | None = None
    window: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class Transition:
    kind: str  # pending, fired, refired, pending_cleared, resolved, no_data, data_back
    from_state: str
    to_state: str
    detail: str = ""


@dataclass
class AlertState:
    """One rule's alert as stored in the ``alerts`` table."""

    rule: str
    metric: str
    severity: str
    state: str = "inactive"
    episode: int = 0
    since: str = ""
    pending_since: str | None = None
    fired_at: str | None = None
    resolved_at: str | None = None
    evaluated_at: str | None = None
    report_at: str | None = None
    value: float | None = None
    threshold: float | None = None
    n: int | None = None
    window: str = ""
    explanation: str = ""
    acked_by: str | None = None
    acked_at: str | None = None
    ack_note: str | None = None
    escalation_level: int = -1
    reminders: int = 0
    last_notified_at: str | None = None
    flapping: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


def _seconds(later: datetime, earlier: str | None) -> float:
    if earlier is None:
        return float("inf")
    return (later - datetime.fromisoformat(earlier)).total_seconds()


def _new_episode(alert: AlertState) -> None:
    alert.episode += 1
    alert.fired_at = None
    alert.resolved_at = None
    alert.acked_by = alert.acked_at = alert.ack_note = None
    alert.escalation_level = -1
    alert.reminders = 0
    alert.last_notified_at = None
    alert.flapping = False


def advance(
    alert: AlertState, obs: Observation, rule: AlertRule, now: datetime, flap_window: int
) -> list[Transition]:
    """Move ``alert`` (in place) by what ``obs`` says at ``now``; return what happened."""
    at = clock.iso(now)
    out: list[Transition] = []

    def go(kind: str, to: str, detail: str = "") -> None:
        out.append(Transition(kind, alert.state, to, detail))
        alert.state = to
        alert.since = at

    alert.severity, alert.metric = rule.severity, rule.metric
    alert.value, alert.n, alert.window = obs.value, obs.n, obs.window
    alert.threshold, alert.explanation = obs.threshold, obs.explanation
    state = alert.state
    if obs.outcome == "no_data":
        if state != "no_data":
            if state in ("inactive", "resolved") and not _flapping(alert, now, flap_window):
                _new_episode(alert)
            go("no_data", "no_data", obs.explanation)
        return out
    if obs.outcome == "holds":
        if state in ("inactive", "resolved"):
            reopened = _flapping(alert, now, flap_window)
            if reopened:
                alert.flapping = True
            else:
                _new_episode(alert)
            _start(alert, rule, go, at, reopened)
        elif state == "no_data":
            if alert.fired_at is not None and alert.resolved_at is None:
                go("data_back", "firing", "the condition still holds")
            else:
                _start(alert, rule, go, at, False)
        elif state == "pending" and _seconds(now, alert.pending_since) >= rule.for_seconds:
            alert.fired_at = alert.fired_at or at
            go("fired", "firing", f"held for {rule.for_seconds} s")
        return out
    # the condition is clear
    if state == "pending":
        alert.pending_since = None
        go("pending_cleared", "inactive")
    elif state == "firing" or (state == "no_data" and alert.fired_at and not alert.resolved_at):
        alert.resolved_at = at
        alert.pending_since = None
        go("resolved", "resolved")
    elif state == "no_data":
        go("data_back", "inactive")
    return out


def _flapping(alert: AlertState, now: datetime, flap_window: int) -> bool:
    """Resolved so recently that this is the same trouble coming back."""
    return (
        alert.state == "resolved"
        and alert.fired_at is not None
        and _seconds(now, alert.resolved_at) < flap_window
    )


def _start(alert: AlertState, rule: AlertRule, go: Any, at: str, reopened: bool) -> None:
    alert.pending_since = at
    alert.resolved_at = None
    if rule.for_seconds == 0:
        alert.fired_at = alert.fired_at or at
        go("refired" if reopened else "fired", "firing")
    else:
        go("pending", "pending", f"must hold for {rule.for_seconds} s")
