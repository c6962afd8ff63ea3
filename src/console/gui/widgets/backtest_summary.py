"""Versions compared on the last days of labelled traffic: does the target really help?

Shown in the Promote and Rollback dialogs. :meth:`BacktestSummary.compare` starts
``models.backtest.recent`` as a quiet background job (the dialog stays usable
meanwhile); the result is a small table with the better value of each metric marked.
"""

from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from console.core.base.workspace import Workspace
from console.core.models import backtest
from console.core.models.backtest import Backtest
from console.gui import formatting as fmt
from console.gui import workers
from console.gui.style import THEME

#: metric -> (label, higher is better)
SHOWN = {"f1": ("F1", True), "recall": ("Recall", True), "precision": ("Precision", True),
         "fpr": ("FPR", False)}  # fmt: skip


class BacktestSummary(QLabel):
    """One line of context plus a version-by-metric table, filled in the background."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.job: workers.RunningJob | None = None
        self.results: list[Backtest] = []
        self._pending: list[str] | None = None

    def compare(self, versions: list[str], days: int = backtest.DEFAULT_DAYS) -> None:
        """Backtest ``versions`` (the first is shown first) on the last ``days`` days."""
        versions = [v for v in dict.fromkeys(versions) if v]
        if not versions:
            self.setText("")
            return
        if self.job is not None:
            self._pending = versions
            return
        self.setText(f"Backtesting {' and '.join(versions)} on the last {days} days…")
        self.job = workers.run_job(
            self, "Backtest on recent traffic", backtest.recent, self.ws, versions, days=days,
            on_done=self._show, quiet=True,
        )  # fmt: skip
        self.job.ended.connect(self._ended)
        self.destroyed.connect(self.job.detach)  # deleted without closing: forget the job

    def _ended(self, outcome: str) -> None:
        self.job = None
        if outcome == "failed":
            self.setText("Backtest on recent traffic not available (see the log).")
        if self._pending is not None:
            versions, self._pending = self._pending, None
            self.compare(versions)

    def _show(self, results: list[Backtest]) -> None:
        self.results = results
        self.setText(summary_html(results))

    def production_changed(self, version: str) -> None:
        """Production is now ``version``: the same figures, the labels follow."""
        if self.results:
            self._show([replace(r, in_production=r.version == version) for r in self.results])

    def stop(self) -> None:
        """The dialog is closing: forget a running backtest."""
        self._pending = None
        if self.job is not None:
            self.job.detach()
            self.job = None

    def f1_of(self, version: str) -> float | None:
        return next((r.f1 for r in self.results if r.version == version), None)


def summary_html(results: list[Backtest]) -> str:
    """The backtest as a heading line and a table; the better value of each metric bold."""
    if not results:
        return "No labelled traffic in the last days to backtest on yet."
    first = results[0]
    head = (
        f"Last days {fmt.day(first.first_day)} – {fmt.day(first.last_day)}: "
        f"{first.rows:,} labelled rows, {first.positives:,} fraud; each version at its own "
        "threshold."
    )
    best: dict[str, float] = {}
    for key, (_label, higher) in SHOWN.items():
        values = [getattr(r, key) for r in results if getattr(r, key) is not None]
        if values:
            best[key] = max(values) if higher else min(values)
    cells = "".join(f"<th align='right'>&nbsp;{label}&nbsp;</th>" for label, _h in SHOWN.values())
    rows = [f"<tr><th align='left'>Version</th>{cells}</tr>"]
    for r in results:
        name = html.escape(r.version) + (" (production)" if r.in_production else "")
        row = f"<td>{name}&nbsp;</td>"
        for key in SHOWN:
            value = getattr(r, key)
            text = fmt.percent(value, 2) if key == "fpr" else fmt.metric(value, 3)
            if value is not None and len(results) > 1 and value == best.get(key):
                text = f"<b style='color:{THEME.ok}'>{text}</b>"
            row += f"<td align='right'>&nbsp;{text}&nbsp;</td>"
        rows.append(f"<tr>{row}</tr>")
    return f"{html.escape(head)}<table cellspacing='0'>{''.join(rows)}</table>"
