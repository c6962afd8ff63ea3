"""At start, a tampered audit log or security state raises the critical ``access`` alert
at once, instead of waiting for the next daily check.

The workspace checks the log's end and the security state against the signed head
when it opens (:meth:`Workspace.check_audit_head`); when that fails, the alert rules
are evaluated on the latest check report with its ``access`` check replaced by the
finding, so the ``access_burst`` / ``access`` rules fire, notify and stay open until
the finding is resolved (``console audit reanchor``) and a later check clears them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.core.alerts import engine
from console.core.base import access, clock
from console.core.monitoring.checks import Check, CheckReport, latest_report
from console.core.monitoring.health_checks import tampered_message

if TYPE_CHECKING:
    from console.core.alerts.records import AlertEvent
    from console.core.base.workspace import Workspace


def raise_if_tampered(ws: Workspace, user: str) -> list[AlertEvent]:
    """Evaluate the alerts on the open-time finding (nothing if there is none, or if
    ``user`` may not evaluate alerts: the daily check raises it then)."""
    finding = ws.integrity
    if finding.ok or not access.allowed(ws.role_of(user), "alert.evaluate"):
        return []
    latest = latest_report(ws)
    checks = [c for c in (latest.checks if latest else []) if c.name != "access"]
    checks.append(Check("access", 1.0, None, "critical", tampered_message(finding), 1, "now"))
    report = CheckReport(latest.id if latest else None, clock.iso(), checks)
    return engine.evaluate(ws, user, report)
