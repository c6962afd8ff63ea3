"""Silences: stop the notifications of matching alerts until a time, with a reason.

A silenced alert stays visible (the alert centre and ``console alerts list`` say it is
silenced and by which silence); its notifications wait and go out if it is still firing
when the silence ends. A matcher names ``rule``, ``metric`` and/or ``severity``, each a
glob (``f1_*``); every key given must match.
"""

from __future__ import annotations

import fnmatch
import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from console.core.alerts.records import Silence, silence_from_row
from console.core.alerts.state import AlertState
from console.core.base import clock
from console.core.base.errors import BadInput

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

MATCHER_KEYS = ("rule", "metric", "severity")
MAX_REASON = 500


def matches(silence: Silence, alert: AlertState) -> bool:
    return all(
        fnmatch.fnmatchcase(str(getattr(alert, key)), pattern)
        for key, pattern in silence.matcher.items()
    )


def active(conn: sqlite3.Connection, now: datetime) -> list[Silence]:
    at = clock.iso(now)
    rows = conn.execute(
        "SELECT * FROM alert_silences WHERE ended_at IS NULL AND starts_at <= ? AND until > ? "
        "ORDER BY id",
        (at, at),
    )
    return [silence_from_row(r) for r in rows]


def silencing(silences: list[Silence], alert: AlertState) -> int | None:
    return next((s.id for s in silences if matches(s, alert)), None)


def parse_matcher(text: str) -> dict[str, str]:
    """``rule=f1_*,severity=warning`` -> ``{"rule": "f1_*", "severity": "warning"}``."""
    matcher: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or key not in MATCHER_KEYS or not value:
            raise BadInput(
                f"silence matcher {part!r}: expected KEY=GLOB with KEY one of "
                f"{', '.join(MATCHER_KEYS)}"
            )
        matcher[key] = value
    if not matcher:
        raise BadInput("silence matcher is empty: name at least one of rule, metric, severity")
    return matcher


def silence(
    ws: Workspace,
    user: str,
    matcher: dict[str, str],
    until: datetime,
    reason: str,
    *,
    now: datetime | None = None,
) -> Silence:
    """Silence matching alerts from now until ``until`` (role alert.silence)."""
    now = now or clock.now()
    target = ",".join(f"{k}={v}" for k, v in matcher.items())
    with ws.change(user, "alert.silence", target) as ch:
        bad = [k for k in matcher if k not in MATCHER_KEYS]
        if not matcher or bad or not all(isinstance(v, str) and v for v in matcher.values()):
            raise BadInput(
                f"silence matcher {matcher!r}: keys must be {', '.join(MATCHER_KEYS)} with "
                "non-empty globs"
            )
        if until.tzinfo is None or until <= now:
            raise BadInput(f"silence until {until.isoformat()}: must be a UTC time in the future")
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON:
            raise BadInput(f"silence reason: required, at most {MAX_REASON} characters")
        cur = ch.conn.execute(
            "INSERT INTO alert_silences (matcher, starts_at, until, reason, created_by, "
            "created_at) VALUES (?,?,?,?,?,?)",
            (json.dumps(matcher), clock.iso(now), clock.iso(until), reason, user, clock.iso(now)),
        )
        row = ch.conn.execute("SELECT * FROM alert_silences WHERE id = ?", (cur.lastrowid,))
        made = silence_from_row(row.fetchone())
        ch.details = {"silence": made.id, "until": made.until, "reason": reason}
    return made


def unsilence(ws: Workspace, user: str, silence_id: int, *, now: datetime | None = None) -> Silence:
    """End a silence now (role alert.silence); held-back notifications then go out."""
    now = now or clock.now()
    with ws.change(user, "alert.silence", f"silence:{silence_id}") as ch:
        row = ch.conn.execute("SELECT * FROM alert_silences WHERE id = ?", (silence_id,)).fetchone()
        if row is None:
            raise BadInput(f"silence {silence_id}: no such silence")
        found = silence_from_row(row)
        if found.ended_at is not None or found.until <= clock.iso(now):
            raise BadInput(f"silence {silence_id}: already ended")
        ch.conn.execute(
            "UPDATE alert_silences SET ended_at = ?, ended_by = ? WHERE id = ?",
            (clock.iso(now), user, silence_id),
        )
        ch.details = {"silence": silence_id, "ended": True}
        row = ch.conn.execute("SELECT * FROM alert_silences WHERE id = ?", (silence_id,))
        return silence_from_row(row.fetchone())


def list_silences(
    ws: Workspace, *, include_ended: bool = False, now: datetime | None = None
) -> list[Silence]:
    """Silences in force (with ``include_ended``: every silence), newest first."""
    at = clock.iso(now)
    rows = ws.conn.execute("SELECT * FROM alert_silences ORDER BY id DESC")
    out = [silence_from_row(r) for r in rows]
    if not include_ended:
        out = [s for s in out if s.ended_at is None and s.until > at]
    return out
