"""Drift: which features moved and why, per day, and concept drift on the labelled outcomes.

The analysis runs as a background job (progress dialog with Cancel); the page shows the
latest stored analyses, so it opens instantly.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableView,
    QToolButton,
    QWidget,
)
from superqt.utils import signals_blocked

from console.core.base.workspace import Workspace
from console.core.data import datasets
from console.core.drift import concept_run, report
from console.core.drift.explain import explain
from console.core.drift.summary import status_of
from console.gui import workers
from console.gui.formatting import timestamp
from console.gui.pages.base import Page
from console.gui.style import THEME
from console.gui.widgets.drift_plots import DistributionPlot, DriftHeatmap, PerformanceTimeline
from console.gui.widgets.drift_table import DriftTableModel
from console.gui.widgets.tables import style_table

CURRENT_CHOICES = (
    ("Last day", "last:1"),
    ("Last 7 days", "last:7"),
    ("Last 14 days", "last:14"),
    ("Last 30 days", "last:30"),
)


class DriftPage(Page):
    key = "drift"
    title = "Drift"
    icon_name = "mdi6.chart-bell-curve"
    order = 30
    listens_to = ("drift_analysed", "deployed")

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.job: workers.RunningJob | None = None
        self.data_doc: dict[str, Any] | None = None
        self.concept_doc: dict[str, Any] | None = None

        self.reference = QComboBox()
        self.reference.setMinimumWidth(230)
        self.current = QComboBox()
        for text, spec in CURRENT_CHOICES:
            self.current.addItem(text, spec)
        self.current.setCurrentIndex(1)
        self.analyse_action = self.page_action(
            "Analyse drift", "mdi6.play-circle-outline", "Ctrl+Shift+D", self.start_analysis
        )
        self.concept_action = self.page_action(
            "Detect concept drift", "mdi6.timeline-alert-outline", "Ctrl+Shift+C",
            self.start_concept,
        )  # fmt: skip
        controls = QHBoxLayout()
        controls.setSpacing(8)
        for label, box in (("Reference", self.reference), ("Current", self.current)):
            caption = QLabel(label)
            caption.setProperty("role", "muted")
            controls.addWidget(caption)
            controls.addWidget(box)
        controls.addSpacing(8)
        for action in (self.analyse_action, self.concept_action):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setProperty("role", "button")
            controls.addWidget(button)
        controls.addStretch(1)

        self.summary = QLabel("No drift analysis yet: choose a window and press Analyse drift.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.model = DriftTableModel()
        self.table = _feature_view(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.table)
        top.addWidget(self.part(self._make_distribution))
        top.setSizes([520, 600])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.part(self._make_heatmap))
        bottom.addWidget(self.part(self._make_timeline))
        bottom.setSizes([560, 560])
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([380, 300])
        self.body.addLayout(controls)
        self.body.addWidget(self.summary)
        self.body.addWidget(split, 1)

    def _make_distribution(self) -> QWidget:
        self.distribution = DistributionPlot()
        return self.distribution

    def _make_heatmap(self) -> QWidget:
        self.heatmap = DriftHeatmap()
        return self.heatmap

    def _make_timeline(self) -> QWidget:
        self.timeline = PerformanceTimeline()
        return self.timeline

    # ------------------------------------------------------------------ showing
    def refresh(self) -> None:
        keep = self.reference.currentData()
        with signals_blocked(self.reference):
            self.reference.clear()
            self.reference.addItem("Training data (production model)", "production")
            for version in datasets.list_versions(self.ws)[:20]:
                self.reference.addItem(
                    f"Dataset {version.name} ({version.sha256[:8]})", f"dataset:{version.sha256}"
                )
            found = self.reference.findData(keep)
            self.reference.setCurrentIndex(max(found, 0))
        data = report.stored_runs(self.ws, "data", 1)
        concept = report.stored_runs(self.ws, "concept", 1)
        self.show_data(data[0] if data else None)
        self.show_concept(concept[0] if concept else None)

    def show_data(self, doc: dict[str, Any] | None) -> None:
        self.data_doc = doc
        keep = self.selected_feature()
        if doc is None:
            self.model.set_columns([])
            self.heatmap.set_windows([], [])
            self.distribution.show_column(None)
            self.subtitle.setText("Feature distributions against the training data")
            return
        self.model.set_columns(doc["columns"])
        self.subtitle.setText(
            f"{doc['current']} vs {doc['reference']} · {doc['n_current']:,} rows · "
            f"analysed {timestamp(doc.get('created_at'))}"
        )
        self.summary.setText(_summary_html(doc))
        order = [self.model.feature(r)["name"] for r in range(self.model.rowCount())]
        self.heatmap.set_windows(doc.get("windows") or [], order)
        row = self.model.row_of(keep) if keep else None
        self.table.selectRow(row if row is not None else 0)

    def show_concept(self, doc: dict[str, Any] | None) -> None:
        self.concept_doc = doc
        self.timeline.set_report(doc)

    def selected_feature(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.feature(index.row())["name"] if index.isValid() else None

    def select_feature(self, name: str) -> None:
        row = self.model.row_of(name)
        if row is not None:
            self.table.selectRow(row)

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.distribution.show_column(None)
            return
        col = self.model.feature(current.row())
        self.distribution.show_column(col, explain(col))

    # ------------------------------------------------------------------ jobs
    def start_analysis(self) -> workers.RunningJob | None:
        if self.job is not None:
            return None
        ref, cur = self.reference.currentData(), self.current.currentData()
        self.job = workers.run_job(
            self.window(), "Analysing drift", report.run_drift, self.ws, self.user, ref, cur,
            on_done=self._analysis_done, on_error=self._ended, on_cancelled=self._ended,
        )  # fmt: skip
        return self.job

    def start_concept(self) -> workers.RunningJob | None:
        if self.job is not None:
            return None
        self.job = workers.run_job(
            self.window(), "Detecting concept drift", concept_run.run_concept, self.ws,
            self.user, on_done=self._concept_done, on_error=self._ended,
            on_cancelled=self._ended,
        )  # fmt: skip
        return self.job

    def _ended(self, *_: object) -> None:
        self.job = None

    def _analysis_done(self, result: report.DriftReport) -> None:
        self.job = None
        self.show_data(result.as_dict())
        self.changed.emit()

    def _concept_done(self, result: concept_run.ConceptReport) -> None:
        self.job = None
        self.show_concept(result.as_dict())
        self.changed.emit()


def _summary_html(doc: dict[str, Any]) -> str:
    status = status_of(doc)  # counted as the Overview's drift tile counts
    share_text = "–" if status.share is None else f"{status.share:.0%}"
    if status.dataset_drift:
        head = f"<b style='color:{THEME.danger}'>Dataset drift</b>"
    else:
        head = f"<b style='color:{THEME.ok}'>No dataset drift</b>"
    text = (
        f"{head}: {status.headline} ({share_text}; dataset drift from "
        f"{doc['drift_share']:.0%}), {status.current}"
    )
    if status.drifted:
        text += f" — {', '.join(status.drifted)}"
    mv = doc.get("multivariate") or {}
    if mv.get("drifted") is not None:
        colour = THEME.danger if mv["drifted"] else THEME.ok
        verdict = "changed" if mv["drifted"] else "unchanged"
        text += (
            f". Joint structure (PCA reconstruction error {mv['score']:.3f} vs threshold "
            f"{mv['threshold']:.3f}): <b style='color:{colour}'>{verdict}</b>"
        )
    return text + "."


def _feature_view(model: DriftTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    style_table(view)
    view.setMinimumWidth(420)
    return view
