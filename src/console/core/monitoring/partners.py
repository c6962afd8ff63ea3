"""What the daily checks read from the other parts of the console, in one place.

The scoring service (``console.core.serving.state``) and drift (``console.core.drift
.summary``); tests replace these functions. The checks never read the alerts: the alerts
read the checks' reports.
Backups are recorded in a ``backups`` table once that work lands.
"""

from __future__ import annotations

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


def drift_check(ws: Workspace, now: datetime | None = None) -> dict[str, Any]:
    return drift_summary.drift_check(ws, now=now)


def latest_drift(ws: Workspace) -> dict[str, Any] | None:
    return drift_summary.latest_drift(ws)


def last_verified_backup(ws: Workspace) -> str | None:
    """When the newest verified backup was made, or None while there is none."""
    conn = ws.conn
    table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'backups'"
    ).fetchone()
    if table is None:
        return None
    columns = {r["name"] for r in conn.execute("PRAGMA table_info(backups)")}
    if "verified_at" not in columns:
        return None
    row = conn.execute("SELECT MAX(verified_at) AS t FROM backups").fetchone()
    return str(row["t"]) if row and row["t"] else None
