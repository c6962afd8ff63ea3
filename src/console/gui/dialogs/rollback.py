"""Roll production back to an earlier production version: the 3 a.m. path.

``RollbackDialog.ask(parent, ws, user)`` opens with the previous production version
preselected (from the deployment history), so an operator types the reason and presses
Roll back: nobody has to remember version numbers.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from console.core.base.workspace import Workspace
from console.core.models import deploy, registry
from console.gui.dialogs.promote import DeploymentDialog


class RollbackDialog(DeploymentDialog):
    """Restore a version that was in production before (role: operator)."""

    kind = "rollback"
    verb = "Roll back"
    heading = "Roll production back"

    @classmethod
    def build(
        cls, ws: Workspace, user: str, *, to: str | None = None, parent: QWidget | None = None
    ) -> RollbackDialog:
        current = registry.production(ws)
        earlier = deploy.was_in_production(ws) - {current.version if current else ""}
        targets = sorted(earlier, key=registry.parse_version, reverse=True)
        preselect = to or deploy.previous_production(ws)
        return cls(ws, user, targets, preselect=preselect, parent=parent)

    def no_target_text(self) -> str:
        return "No earlier production version to roll back to."

    def call(self, version: str, reason: str) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
        return deploy.rollback, (self.ws, self.user), {"reason": reason, "to": version}
