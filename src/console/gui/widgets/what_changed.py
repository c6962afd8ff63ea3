""" "What changed before this": the ranked changes before an alert (or now), on demand.

Finding them runs a drift analysis of the last logged days, so it is a job started by
the button; the list shows deployments and configuration changes first, then drifted
features and degraded segments with their effect sizes, then other notable events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.core.base.workspace import Workspace
from console.core.lineage import what_changed
from console.gui import workers
from console.gui.formatting import timestamp
from console.gui.style import THEME, icon

ICONS = {
    "deployment": ("mdi6.rocket-launch-outline", THEME.danger),
    "config": ("mdi6.cog-outline", THEME.danger),
    "drift": ("mdi6.chart-bell-curve", THEME.warning),
    "segment": ("mdi6.account-group-outline", THEME.warning),
}


class WhatChangedPanel(QFrame):
    """``set_moment(moment, label)`` chooses the moment; the button finds the changes."""

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.user = ws, user
        self.setProperty("role", "panel")
        self.moment: dt.datetime | None = None
        self.title = QLabel("What changed in the last 72 hours")
        self.title.setStyleSheet("font-weight: 600;")
        self.button = QPushButton(icon("mdi6.magnify-scan"), "Find what changed")
        self.button.clicked.connect(self.find_changes)
        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.list = QListWidget()
        self.list.setMinimumHeight(110)
        self.job: workers.RunningJob | None = None
        self.answer: dict[str, Any] | None = None
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(head)
        layout.addWidget(self.note)
        layout.addWidget(self.list, 1)

    def set_moment(self, moment: dt.datetime | None, label: str) -> None:
        if moment == self.moment and self.answer is not None:
            return
        self.moment = moment
        self.answer = None
        self.title.setText(f"What changed {label}")
        self.list.clear()
        self.note.setText("Find ranks deployments and configuration changes, then drifted "
                          "features and degraded segments with their effect sizes.")  # fmt: skip

    def find_changes(self) -> workers.RunningJob | None:
        if self.job is not None:
            return None
        self.button.setEnabled(False)
        self.job = workers.run_job(
            self, "Finding what changed", what_changed.what_changed, self.ws, self.moment,
            on_done=self.show_answer, on_error=lambda _e: self._ended(),
            on_cancelled=self._ended,
        )  # fmt: skip
        return self.job

    def _ended(self) -> None:
        self.job = None
        self.button.setEnabled(True)

    def show_answer(self, answer: dict[str, Any]) -> None:
        self._ended()
        self.answer = answer
        self.list.clear()
        causes = answer["causes"]
        for n, cause in enumerate(causes, start=1):
            when = f"  ({timestamp(cause['at'])})" if cause["at"] else ""
            item = QListWidgetItem(f"{n}. {cause['title']}{when}")
            name, colour = ICONS.get(cause["category"], ("mdi6.information-outline", THEME.muted))
            item.setIcon(icon(name, colour))
            item.setToolTip(cause["title"])
            self.list.addItem(item)
        days = ", ".join(answer["data_days"]) or "none"
        notes = "; ".join(answer["notes"])
        self.note.setText(
            f"{len(causes)} finding(s) between {timestamp(answer['since'])} and "
            f"{timestamp(answer['at'])}; data days judged: {days}" + (f". {notes}" if notes else "")
        )
        if not causes:
            self.list.addItem("Nothing changed in that window.")
