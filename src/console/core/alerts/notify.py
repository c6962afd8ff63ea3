"""Deliver queued notifications: e-mail through the SMTP relay, the site's command.

Grouping: the notifications one evaluation queued go out as one e-mail per recipient
and one run of the command (a JSON list on its stdin). A delivery that fails is marked
``failed`` with the reason and recorded as a ``notify_failed`` alert event, which the
alert centre and ``console alerts list`` show: a failure is never silent.

Tray, desktop and sound notifications stay ``queued`` until a console window shows them
(:func:`pending_for_desktop`, :func:`mark_delivered`).
"""

from __future__ import annotations

import importlib
import json
import logging
import subprocess
from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from console.core.alerts.records import (
    AlertEvent,
    Notification,
    event_from_row,
    notification_from_row,
)
from console.core.base import clock, db
from console.core.base.alert_rules import AlertSettings, Command, Smtp

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)
DESKTOP_CHANNELS = ("tray", "desktop", "sound")
#: desktop notifications older than this when a window opens are marked expired
DESKTOP_MAX_AGE = timedelta(hours=1)


def smtp_password(ws: Workspace) -> str | None:
    """The relay password, only ever from the keyring (console.core.security.credentials)."""
    credentials = importlib.import_module("console.core.security.credentials")
    secret = credentials.get_secret(ws, "smtp-password")
    return None if secret is None else str(secret)


def send_email(ws: Workspace, smtp: Smtp, recipient: str, lines: list[str]) -> None:
    import smtplib  # (with ssl and email: 10 ms of the window's start-up, when at the top)
    from email.message import EmailMessage

    worst = "CRITICAL" if any("[CRITICAL]" in line for line in lines) else "WARNING"
    msg = EmailMessage()
    msg["Subject"] = f"[console] {worst}: {len(lines)} alert notification(s) — {ws.root.name}"
    msg["From"] = smtp.sender
    msg["To"] = recipient
    msg.set_content("\n\n".join(lines) + f"\n\nWorkspace: {ws.root}\n")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            password = smtp_password(ws)
            if not password:
                raise RuntimeError("no 'smtp-password' in the keyring (console credentials set)")
            server.login(smtp.username, password)
        server.send_message(msg)


def run_command(command: Command, notes: list[Notification]) -> None:
    payload = json.dumps([n.as_dict() for n in notes])
    try:
        done = subprocess.run(
            list(command.argv),
            input=payload,
            capture_output=True,
            text=True,
            timeout=command.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"timed out after {command.timeout_seconds} s") from None
    if done.returncode != 0:
        err = (done.stderr or done.stdout).strip().splitlines()
        raise RuntimeError(f"exit code {done.returncode}" + (f": {err[-1]}" if err else ""))


def deliver(
    ws: Workspace, settings: AlertSettings, ids: list[int], *, now: datetime | None = None
) -> list[AlertEvent]:
    """Send the queued e-mail and command notifications ``ids``; return failure events."""
    if not ids:
        return []
    now = now or clock.now()
    marks = ",".join("?" * len(ids))
    rows = ws.conn.execute(f"SELECT * FROM alert_notifications WHERE id IN ({marks})", ids)
    notes = [notification_from_row(r) for r in rows if r["status"] == "queued"]
    groups: dict[tuple[str, str], list[Notification]] = defaultdict(list)
    for note in notes:
        groups[(note.channel, note.target)].append(note)
    outcomes: list[tuple[list[Notification], str]] = []
    for (channel, target), group in groups.items():
        try:
            if channel == "email":
                if settings.smtp is None:
                    raise RuntimeError("no [alerts.smtp] relay configured")
                send_email(ws, settings.smtp, target, [n.message for n in group])
            elif settings.command is None:
                raise RuntimeError("no [alerts.command] configured")
            else:
                run_command(settings.command, group)
            outcomes.append((group, ""))
        except (OSError, RuntimeError, KeyError, ImportError) as exc:  # SMTP errors are OSErrors
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
            log.warning("alert notification by %s to %r failed: %s", channel, target, reason)
            outcomes.append((group, reason))
    return _record(ws, outcomes, now)


def _record(
    ws: Workspace, outcomes: list[tuple[list[Notification], str]], now: datetime
) -> list[AlertEvent]:
    at = clock.iso(now)
    first = None
    with db.write_transaction(ws.conn) as conn:
        for group, error in outcomes:
            for note in group:
                conn.execute(
                    "UPDATE alert_notifications SET status = ?, error = ?, sent_at = ? "
                    "WHERE id = ?",
                    ("failed" if error else "sent", error, at, note.id),
                )
            if error:
                note = group[0]
                where = f"{note.channel} {note.target}".strip()
                cur = conn.execute(
                    "INSERT INTO alert_events (rule, episode, at, kind, from_state, to_state, "
                    "severity, metric, value, user, detail) "
                    "SELECT rule, episode, ?, 'notify_failed', state, state, severity, metric, "
                    "value, 'console', ? FROM alerts WHERE rule = ?",
                    (at, f"{where}: {error}", note.rule),
                )
                first = first or cur.lastrowid
    if first is None:
        return []
    rows = ws.conn.execute(
        "SELECT * FROM alert_events WHERE id >= ? AND kind = 'notify_failed' ORDER BY id", (first,)
    )
    return [event_from_row(r) for r in rows]


def pending_for_desktop(ws: Workspace, *, now: datetime | None = None) -> list[Notification]:
    """Queued tray/desktop/sound notifications, oldest first (stale ones are expired)."""
    now = now or clock.now()
    with db.write_transaction(ws.conn) as conn:
        conn.execute(
            "UPDATE alert_notifications SET status = 'expired' WHERE status = 'queued' "
            "AND channel IN ('tray', 'desktop', 'sound') AND created_at < ?",
            (clock.iso(now - DESKTOP_MAX_AGE),),
        )
    rows = ws.conn.execute(
        "SELECT * FROM alert_notifications WHERE status = 'queued' "
        "AND channel IN ('tray', 'desktop', 'sound') ORDER BY id"
    )
    return [notification_from_row(r) for r in rows]


def mark_delivered(ws: Workspace, ids: list[int], *, now: datetime | None = None) -> None:
    if not ids:
        return
    at = clock.iso(now)
    with db.write_transaction(ws.conn) as conn:
        conn.executemany(
            "UPDATE alert_notifications SET status = 'delivered', sent_at = ? "
            "WHERE id = ? AND status = 'queued'",
            [(at, i) for i in ids],
        )


def failures(ws: Workspace, limit: int = 20) -> list[Notification]:
    """The latest notifications that could not be delivered."""
    rows = ws.conn.execute(
        "SELECT * FROM alert_notifications WHERE status = 'failed' ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [notification_from_row(r) for r in rows]


def notifications(ws: Workspace, limit: int = 200) -> list[Notification]:
    rows = ws.conn.execute("SELECT * FROM alert_notifications ORDER BY id DESC LIMIT ?", (limit,))
    return [notification_from_row(r) for r in rows]
