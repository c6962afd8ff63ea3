"""Access monitoring: repeated failed sign-ins and permission denials become findings.

:func:`access_findings` reads the audit log (the one record of every refusal) and
returns plain dictionaries the alert engine turns into alerts: a user with at least
``FAILED_SIGN_INS`` failed sign-ins, or at least ``DENIALS`` permission denials, within
any ``WINDOW`` since ``since``. Severity is critical from twice the threshold.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Final

from console.core.base import clock
from console.core.security.accounts import SIGN_IN

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

FAILED_SIGN_INS: Final = 3
DENIALS: Final = 5
WINDOW: Final = dt.timedelta(minutes=10)


def _parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts)


def _burst(times: list[dt.datetime]) -> tuple[int, dt.datetime, dt.datetime]:
    """The largest number of events inside one WINDOW (sliding), with its first/last."""
    best = (0, times[0], times[0])
    start = 0
    for end, moment in enumerate(times):
        while moment - times[start] > WINDOW:
            start += 1
        if end - start + 1 > best[0]:
            best = (end - start + 1, times[start], moment)
    return best


def access_findings(ws: Workspace, since: dt.datetime | str) -> list[dict[str, Any]]:
    """Findings since ``since`` (datetime or ISO string), worst first.

    Each: ``kind`` ("failed_sign_ins" | "permission_denials"), ``severity``
    ("warning" | "critical"), ``user``, ``count`` (in the worst window), ``total``,
    ``first_at``, ``last_at``, ``actions`` (what was refused), ``message`` (one line).
    """
    start = since if isinstance(since, str) else clock.iso(since)
    rows = ws.conn.execute(
        "SELECT ts, user, action FROM audit WHERE outcome = 'denied' AND ts >= ? ORDER BY seq",
        (start,),
    ).fetchall()
    groups: dict[tuple[str, str], list[tuple[dt.datetime, str]]] = defaultdict(list)
    for row in rows:
        kind = "failed_sign_ins" if row["action"] == SIGN_IN else "permission_denials"
        groups[(kind, row["user"])].append((_parse(row["ts"]), row["action"]))
    findings: list[dict[str, Any]] = []
    for (kind, user), events in groups.items():
        threshold = FAILED_SIGN_INS if kind == "failed_sign_ins" else DENIALS
        count, first, last = _burst([moment for moment, _ in events])
        if count < threshold:
            continue
        what = "failed sign-ins" if kind == "failed_sign_ins" else "permission denials"
        minutes = int(WINDOW.total_seconds() // 60)
        findings.append(
            {
                "kind": kind,
                "severity": "critical" if count >= 2 * threshold else "warning",
                "user": user,
                "count": count,
                "total": len(events),
                "first_at": clock.iso(first),
                "last_at": clock.iso(last),
                "actions": sorted({action for _, action in events}),
                "message": f"{user}: {count} {what} within {minutes} minutes "
                f"(threshold {threshold}; {len(events)} since {start[:16].replace('T', ' ')} UTC)",
            }
        )
    findings.sort(key=lambda f: (f["severity"] != "critical", -f["count"], f["user"]))
    return findings
