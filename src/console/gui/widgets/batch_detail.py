"""The detail pane of one ingest batch: where it came from, its message, its problems."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QListWidget, QVBoxLayout, QWidget

from console.core.data.ingest import Batch
from console.gui import formatting as fmt
from console.gui.style import THEME, icon

OUTCOME_TEXT = {
    "ok": "ingested",
    "refused": "refused: nothing was added",
    "failed": "failed: nothing was added",
    "cancelled": "cancelled: nothing was added",
    "duplicate": "duplicate: nothing was added",
}


class BatchDetail(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "panel")
        self.heading = QLabel("No batch selected")
        self.heading.setProperty("role", "section")
        self.source = _value_label()
        self.sha256 = _value_label()
        self.times = _value_label()
        self.message = _value_label()
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(4)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        for caption, label in (
            ("File", self.source),
            ("SHA-256", self.sha256),
            ("Time (UTC)", self.times),
            ("Message", self.message),
        ):
            name = QLabel(caption)
            name.setProperty("role", "muted")
            form.addRow(name, label)
        self.problems_caption = QLabel("Problems found (file, line, column)")
        self.problems_caption.setProperty("role", "muted")
        self.problems = QListWidget()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.setSelectionMode(QListWidget.SelectionMode.NoSelection)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.problems_caption)
        layout.addWidget(self.problems, 1)
        layout.addStretch(0)
        self.show_batch(None)

    def show_batch(self, batch: Batch | None) -> None:
        self.problems.clear()
        if batch is None:
            self.heading.setText("No batch selected")
            for label in (self.source, self.sha256, self.times, self.message):
                label.setText("–")
            self._show_problems([])
            return
        outcome = batch.outcome
        self.heading.setText(
            f"Batch {batch.id} · {batch.kind} · {OUTCOME_TEXT.get(outcome, outcome)}"
        )
        self.source.setText(batch.source)
        self.sha256.setText(batch.sha256 or "–")
        self.times.setText(
            f"{fmt.timestamp(batch.started_at, seconds=True).removesuffix(' UTC')} → "
            f"{fmt.timestamp(batch.finished_at, seconds=True).removesuffix(' UTC')}"
            f"   by {batch.user}"
        )
        rows = f"{fmt.count(batch.rows)} rows added." if outcome == "ok" else ""
        self.message.setText(batch.message or rows or "–")
        problems = list(batch.problems)
        if problems == [batch.message]:
            problems = []
        self._show_problems(problems)

    def _show_problems(self, problems: list[str]) -> None:
        warning = icon("mdi6.alert-circle-outline", THEME.danger)
        for problem in problems:
            self.problems.addItem(problem)
            self.problems.item(self.problems.count() - 1).setIcon(warning)
        self.problems_caption.setVisible(bool(problems))
        self.problems.setVisible(bool(problems))

    def problem_texts(self) -> list[str]:
        return [self.problems.item(i).text() for i in range(self.problems.count())]


def _value_label() -> QLabel:
    label = QLabel("–")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
