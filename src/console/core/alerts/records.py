"""What the alert tables hold, as plain objects for the CLI and the GUI."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, fields
from typing import Any

from console.core.alerts.state import AlertState

SEVERITY_RANK = {"critical": 0, "warning": 1}


@dataclass(frozen=True)
class AlertEvent:
    """One thing that happened to an alert (persisted in ``alert_events``)."""

    id: int
    rule: str
    episode: int
    at: str
    kind: str
    from_state: str
    to_state: str
    severity: str
    metric: str
    value: float | None
    user: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Alert:
    """An alert as an operator sees it: its state plus why it is quiet, if it is."""

    rule: str
    metric: str
    severity: str
    state: str
    episode: int
    since: str
    fired_at: str | None
    resolved_at: str | None
    value: float | None
    threshold: float | None
    n: int | None
    window: str
    explanation: str
    condition: str
    summary: str
    runbook: str
    acked_by: str | None
    acked_at: str | None
    ack_note: str | None
    escalation_level: int
    flapping: bool
    silenced_by: int | None  # the silence that mutes it
    inhibited_by: str | None  # the firing critical rule on the same metric

    @property
    def quiet_reason(self) -> str:
        if self.silenced_by is not None:
            return f"silenced (silence {self.silenced_by})"
        if self.inhibited_by:
            return f"inhibited by the critical alert {self.inhibited_by}"
        if self.acked_by:
            return f"acknowledged by {self.acked_by}"
        return ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"quiet_reason": self.quiet_reason}


@dataclass(frozen=True)
class Silence:
    id: int
    matcher: dict[str, str]
    starts_at: str
    until: str
    reason: str
    created_by: str
    created_at: str
    ended_at: str | None
    ended_by: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Notification:
    id: int
    rule: str
    episode: int
    kind: str  # fired, escalated, reminder, no_data
    level: int
    channel: str
    target: str
    severity: str
    message: str
    created_at: str
    status: str  # queued, sent, delivered, failed, expired
    error: str
    sent_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_STATE_FIELDS = [f.name for f in fields(AlertState) if f.name != "extra"]


def state_from_row(row: sqlite3.Row) -> AlertState:
    data = {k: row[k] for k in _STATE_FIELDS}
    data["flapping"] = bool(data["flapping"])
    return AlertState(**data)


def save_state(conn: sqlite3.Connection, alert: AlertState) -> None:
    values = [getattr(alert, k) for k in _STATE_FIELDS]
    values[_STATE_FIELDS.index("flapping")] = int(alert.flapping)
    columns = ", ".join(_STATE_FIELDS)
    updates = ", ".join(f"{k} = excluded.{k}" for k in _STATE_FIELDS if k != "rule")
    conn.execute(
        f"INSERT INTO alerts ({columns}) VALUES ({', '.join('?' * len(values))}) "
        f"ON CONFLICT(rule) DO UPDATE SET {updates}",
        values,
    )


def event_from_row(row: sqlite3.Row) -> AlertEvent:
    return AlertEvent(**{f.name: row[f.name] for f in fields(AlertEvent)})


def silence_from_row(row: sqlite3.Row) -> Silence:
    data = {f.name: row[f.name] for f in fields(Silence)}
    data["matcher"] = json.loads(data["matcher"])
    return Silence(**data)


def notification_from_row(row: sqlite3.Row) -> Notification:
    return Notification(**{f.name: row[f.name] for f in fields(Notification)})
