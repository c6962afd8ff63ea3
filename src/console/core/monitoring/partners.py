"""What the daily checks read from the other parts of the console, in one place.

The scoring service (``console.core.serving.state``) and drift (``console.core.drift
.summary``); tests replace these functions. The checks never read the alerts: the alerts
read the checks' reports.
Backups are read from the ``backups`` table (written by ``console.core.backup``).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from console.core.drift import summary as drift_summary
from console.core.serving import security as service_security
from console.core.serving import state as service_state

if TYPE_CHECKING:
    from datetime import datetime

    from console.core.base.workspace import Workspace
    from console.core.serving.state import ServiceInfo


def running_service(ws: Workspace) -> ServiceInfo | None:
    """The scoring service running for ``ws``, or None."""
    return service_state.running_service(ws)


def service_health(ws: Workspace, info: ServiceInfo) -> dict[str, Any] | None:
    """The running service's GET /health (None when it does not answer within 1 s)."""
    verify = service_security.client_context(ws) if info.tls else True
    try:
        return service_state.fetch_health(info, 1.0, verify)
    except OSError:
        return None


def unlogged_records(ws: Workspace, since: datetime, until: datetime) -> tuple[int, list[str]]:
    """Records the service answered but did not log (duplicate ids) in the window:
    how many, and the first ids."""
    from console.core.base import clock
    from console.core.serving import prediction_log

    return prediction_log.unlogged_since(ws, clock.iso(since), clock.iso(until))


def drift_check(ws: Workspace, now: datetime | None = None) -> dict[str, Any]:
    return drift_summary.drift_check(ws, now=now)


def latest_drift(ws: Workspace) -> dict[str, Any] | None:
    return drift_summary.latest_drift(ws)


def _has_backups(conn: sqlite3.Connection) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'backups'"
    ).fetchone()
    return found is not None


def last_verified_backup(ws: Workspace) -> str | None:
    """When the newest verified backup was made, or None while there is none.

    A snapshot counts only once a verify of it passed, and while it is still in its
    repository: an unverified, failed or forgotten one never does.
    """
    conn = ws.conn
    if not _has_backups(conn):
        return None
    row = conn.execute(
        "SELECT MAX(created_at) AS t FROM backups WHERE state = 'ok' AND verify_result = 'ok'"
    ).fetchone()
    return str(row["t"]) if row and row["t"] else None


def last_backup_failure(ws: Workspace) -> dict[str, Any] | None:
    """The newest backup failure no later success has cleared, or None.

    A failed create (unreachable drive, wrong passphrase, full target, ...) counts until
    a later create succeeds; a snapshot whose last verify failed counts while it is
    still in its repository.
    """
    conn = ws.conn
    if not _has_backups(conn):
        return None
    failed_create = conn.execute(
        "SELECT created_at AS at, message, location FROM backups WHERE state = 'failed'"
        " AND created_at > COALESCE((SELECT MAX(created_at) FROM backups"
        " WHERE snapshot IS NOT NULL), '') ORDER BY created_at DESC LIMIT 1"
    ).fetchone()
    failed_verify = conn.execute(
        "SELECT verified_at AS at, verify_message AS message, location, snapshot FROM backups"
        " WHERE state = 'ok' AND verify_result = 'failed' ORDER BY verified_at DESC LIMIT 1"
    ).fetchone()
    found = []
    if failed_create is not None:
        found.append({**dict(failed_create), "kind": "create", "snapshot": None})
    if failed_verify is not None:
        found.append({**dict(failed_verify), "kind": "verify"})
    return max(found, key=lambda r: str(r["at"])) if found else None
