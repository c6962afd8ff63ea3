"""While the window is open it also runs due maintenance jobs (``[schedules] in_gui``).

A minute after start (the anacron-like catch-up) and every minute after, a quiet
background job calls :func:`console.core.maintenance.runner.run_due`, which marks dead
runs failed and runs each job whose schedule is owed a run. The core's lock and claim
keep it from ever running a job that cron runs at the same moment. Only for a user
allowed to run jobs.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from console.core.base import access
from console.core.base.workspace import Workspace
from console.core.maintenance import runner
from console.gui import workers

log = logging.getLogger("console.gui")

FIRST_CHECK_MS = 60_000
EVERY_MS = 60_000


class DueJobsTimer(QObject):
    def __init__(self, ws: Workspace, user: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.user = user
        self.job: workers.RunningJob | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(EVERY_MS)
        self.timer.timeout.connect(self.check)
        self.enabled = ws.config.schedules.in_gui and access.allowed(ws.role_of(user), "job.run")
        if self.enabled:
            QTimer.singleShot(FIRST_CHECK_MS, self.check)
            self.timer.start()

    def check(self) -> None:
        """Start a quiet run of every due job unless one is still going."""
        if self.job is not None or not self.ws.config.schedules.in_gui:
            return
        self.job = workers.run_job(
            None,
            "Scheduled maintenance",
            runner.run_due,
            self.ws,
            self.user,
            quiet=True,
            on_done=self._ended,
            on_error=self._ended,
            on_cancelled=lambda: self._ended(None),
        )

    def _ended(self, _result: object) -> None:
        self.job = None
