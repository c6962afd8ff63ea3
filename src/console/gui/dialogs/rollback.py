"""Roll production back to an earlier production version: the 3 a.m. path.

``RollbackDialog.ask(parent, ws, user)`` opens with the previous production version
preselected (from the deployment history), so nobody has to remember version numbers.
Opened from an alert (``alert=...``: the banner, the alert detail, the tray), the reason
is prefilled from it and focused: one click on Roll back runs it. The outcome, and the
new production version, show in the dialog as soon as the switch is done.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from console.core.alerts.records import Alert
from console.core.base.workspace import Workspace
from console.core.models import deploy, registry
from console.gui import formatting as fmt
from console.gui.dialogs.promote import DeploymentDialog


def reason_for(alert: Alert) -> str:
    """A rollback reason that says which alert prompted it (the operator may edit it)."""
    what = alert.summary or alert.condition
    value = f" (value {fmt.metric(alert.value, 4)})" if alert.value is not None else ""
    since = f" since {fmt.timestamp(alert.fired_at)}" if alert.fired_at else ""
    return f"{alert.severity.capitalize()} alert {alert.rule}{since}: {what}{value}"


class RollbackDialog(DeploymentDialog):
    """Restore a version that was in production before (role: operator)."""

    kind = "rollback"
    verb = "Roll back"
    heading = "Roll production back"

    @classmethod
    def build(
        cls,
        ws: Workspace,
        user: str,
        *,
        to: str | None = None,
        alert: Alert | None = None,
        reason: str | None = None,
        parent: QWidget | None = None,
    ) -> RollbackDialog:
        current = registry.production(ws)
        earlier = deploy.was_in_production(ws) - {current.version if current else ""}
        targets = sorted(earlier, key=registry.parse_version, reverse=True)
        preselect = to or deploy.previous_production(ws)
        text = reason if reason is not None else (reason_for(alert) if alert else "")
        return cls(ws, user, targets, preselect=preselect, reason=text, parent=parent)

    def no_target_text(self) -> str:
        return "No earlier production version to roll back to."

    def call(self, version: str, reason: str) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
        return deploy.rollback, (self.ws, self.user), {"reason": reason, "to": version}
