"""Keep the rollback ready while the window is idle.

Shortly after the first paint, :class:`RollbackReadiness` runs one quiet background
job: import the model libraries (skops, scikit-learn), then pre-verify the previous
production version (hash, safe load, known answers on its golden set, latency) through
``deploy.preverify``, which records the pass in the workspace's pre-verification cache.
A rollback then only re-checks what can have changed. It runs again after every
deployment (the rollback target changes) and never for a role that may not roll back.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.core.base import access
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.gui import workers

if TYPE_CHECKING:
    from console.core.models.deploy import CheckResult

log = logging.getLogger("console.gui")

#: how long after the window is built the preparation starts (after the first paint)
PREPARE_AFTER_MS = 1_000
#: imported ahead of a rollback; a verification needs them all
MODEL_MODULES = ("skops.io", "sklearn.pipeline", "sklearn.compose", "sklearn.ensemble")


def prepare_rollback(ws: Workspace, user: str, ctx: JobContext) -> tuple[str | None, bool]:
    """The job: warm the model libraries, pre-verify the rollback target.

    Returns (target version or None, whether it passed every check).
    """
    from console.core.models import deploy  # (20 ms: after the first paint, off the GUI thread)

    for n, name in enumerate(MODEL_MODULES):
        ctx.progress(0.4 * n / len(MODEL_MODULES), f"Loading {name}")
        importlib.import_module(name)
    target = deploy.previous_production(ws)
    if target is None:
        return None, False
    checks: list[CheckResult] = deploy.preverify(ws, user, target, ctx=ctx.sub(0.4, 1.0))
    return target, bool(checks) and all(c.ok for c in checks)


class RollbackReadiness(QObject):
    """Pre-verifies the rollback target in the background; one job at a time."""

    #: (target version or "", passed) after each preparation
    prepared = Signal(str, bool)

    def __init__(
        self, parent: QObject, ws: Workspace, user: str, *, delay_ms: int = PREPARE_AFTER_MS
    ) -> None:
        super().__init__(parent)
        self.ws, self.user = ws, user
        role = ws.role_of(user)
        self.enabled = access.allowed(role, "model.rollback") and access.allowed(
            role, "model.verify"
        )
        self.job: workers.RunningJob | None = None
        self.target: str | None = None
        self.ready = False
        self._again = False
        if self.enabled:
            QTimer.singleShot(delay_ms, self, self.prepare)

    def prepare(self, *_args: Any) -> None:
        """(Re)verify the current rollback target in the background."""
        if not self.enabled:
            return
        if self.job is not None:
            self._again = True
            return
        self.job = workers.run_job(
            None, "Preparing rollback", prepare_rollback, self.ws, self.user,
            on_done=self._done, quiet=True,
        )  # fmt: skip
        self.job.ended.connect(self._ended)

    def _done(self, result: tuple[str | None, bool]) -> None:
        self.target, self.ready = result
        self.prepared.emit(self.target or "", self.ready)
        if self.target and not self.ready:
            log.warning("rollback target %s did not pass its pre-verification", self.target)

    def _ended(self, _outcome: str) -> None:
        self.job = None
        if self._again:
            self._again = False
            self.prepare()

    def stop(self) -> None:
        self._again = False
        self.enabled = False
        if self.job is not None:
            self.job.detach()
            self.job = None
