"""Performance: metrics per hour/day/week with thresholds, estimates, segments, confusion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from console.core.base import clock, job_process
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.monitoring import performance
from console.core.monitoring.performance import MetricTable
from console.core.monitoring.settings import settings
from console.core.monitoring.windows import US
from console.gui import warmup, workers
from console.gui.pages.base import Page
from console.gui.style import icon
from console.gui.widgets.confusion_table import ConfusionTable, SegmentTable
from console.gui.widgets.metric_plot import MetricPlot
from console.gui.widgets.panel import panel

METRICS = {
    "f1": "F1",
    "precision": "Precision",
    "recall": "Recall",
    "fpr": "False positive rate",
    "accuracy": "Accuracy",
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC (average precision)",
    "positive_rate": "Positive (flag) rate",
    "label_coverage": "Label coverage",
    "label_delay_h": "Label delay (hours)",
}
ESTIMATED = {"f1", "precision", "recall", "fpr"}


def load_performance(
    ws: Workspace, window: str, *, ctx: JobContext
) -> tuple[MetricTable, dict[str, MetricTable]]:
    """The page's job: windowed metrics and the segment breakdown, from one read, in the
    process kept for heavy reads: on a thread of the window's own process, its numpy
    and Arrow work held the interpreter lock the GUI thread needs."""
    return job_process.call(  # type: ignore[no-any-return]
        performance.windows_and_segments, ws, window=window, ctx=ctx,
        preload=warmup.PROCESS_MODULES,
    )  # fmt: skip


#: why a window's figure is withheld, as a phrase after "N window(s)"
WITHHELD = {
    "no_labels": "without labels",
    "too_few_labels": "with too few labels",
    "one_class": "with labels of one class only",
}


def withheld_text(counts: dict[str, int], min_labels: int) -> str:
    """E.g. "Not plotted (figure withheld): 1 window without labels, 2 windows with too
    few labels (minimum 50 labels)."."""
    parts = [
        f"{n} window{'s' if n != 1 else ''} {WITHHELD[status]}" for status, n in counts.items() if n
    ]
    return f"Not plotted (figure withheld): {', '.join(parts)} (minimum {min_labels} labels)."


class PerformancePage(Page):
    key = "performance"
    title = "Performance"
    icon_name = "mdi6.chart-line"
    order = 10
    listens_to = ("ingested", "deployed")

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.table: MetricTable | None = None
        self.segments: dict[str, MetricTable] = {}
        self.selected: int | None = None
        self.job: workers.RunningJob | None = None
        self.stale = True  # computed when first shown

        self.window_box = QComboBox()
        self.window_box.addItems(["hour", "day", "week"])
        self.window_box.setCurrentText(settings(ws).window)
        self.metric_box = QComboBox()
        for key, label in METRICS.items():
            self.metric_box.addItem(label, key)
        self.reload_button = QPushButton(icon("mdi6.refresh"), "Recompute")
        self.png_button = QPushButton(icon("mdi6.image-outline"), "PNG…")
        self.csv_button = QPushButton(icon("mdi6.file-delimited-outline"), "CSV…")
        for widget in (
            QLabel("Window"),
            self.window_box,
            QLabel("Metric"),
            self.metric_box,
            self.reload_button,
            self.png_button,
            self.csv_button,
        ):
            self.header_actions.addWidget(widget)
        self.window_box.currentTextChanged.connect(lambda _t: self.load())
        self.metric_box.currentIndexChanged.connect(lambda _i: self.show_metric())
        self.reload_button.clicked.connect(self.load)
        self.png_button.clicked.connect(lambda: self.export("png"))
        self.csv_button.clicked.connect(lambda: self.export("csv"))

        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        left = panel("Metric over time", self.part(self._make_plot), self.note)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self._side_panel())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([620, 520])
        self.body.addWidget(splitter, 1)

    def _make_plot(self) -> QWidget:
        self.plot = MetricPlot(empty="No window with enough labels to plot yet.")
        self.plot.add_series("realised", "realised")
        self.plot.add_series("estimated", "estimated", dashed=True)
        self.plot.setToolTip(
            "Solid: realised (needs labels) · dashed: estimated from scores before labels "
            "arrive. Hover for values, click a window for its confusion matrix, drag to pan, "
            "wheel to zoom."
        )
        self.plot.widget.scene().sigMouseClicked.connect(self._clicked)
        return self.plot

    def _side_panel(self) -> QFrame:
        self.confusion_title = QLabel("Confusion matrix")
        self.confusion_title.setProperty("role", "section")
        self.confusion = ConfusionTable()
        self.segment_box = QComboBox()
        self.segment_box.currentTextChanged.connect(lambda _t: self.show_segments())
        self.segment_table = SegmentTable()
        right = QFrame()
        right.setProperty("role", "panel")
        rl = QVBoxLayout(right)
        rl.setContentsMargins(14, 12, 14, 12)
        rl.addWidget(self.confusion_title)
        rl.addWidget(self.confusion)
        seg_title = QLabel("By segment (all loaded days)")
        seg_title.setProperty("role", "section")
        rl.addWidget(seg_title)
        rl.addWidget(self.segment_box)
        rl.addWidget(self.segment_table, 1)
        return right

    # ----------------------------------------------------------------- loading
    def refresh(self) -> None:
        """Re-compute in the background while shown (else when next shown); the plot and
        tables keep their figures until the new ones arrive."""
        if not self.isVisible():
            self.stale = True
            return
        self.load()

    def load(self) -> None:
        if self.table is None:
            self.subtitle.setText("Computing…")
        self.job = self.load_in_background(
            "Computing model performance",
            load_performance,
            self.ws,
            self.window_box.currentText(),
            on_done=self.set_results,
        )

    def set_results(self, result: tuple[MetricTable, dict[str, MetricTable]]) -> None:
        self.table, self.segments = result
        now_us = int(clock.now().timestamp() * US)
        self.selected = performance.last_labelled(self.table, now_us, settings(self.ws))
        current = self.segment_box.currentText()
        with signals_blocked(self.segment_box):
            self.segment_box.clear()
            self.segment_box.addItems(list(self.segments))
            if current in self.segments:
                self.segment_box.setCurrentText(current)
        self.show_metric()
        self.show_confusion()
        self.show_segments()
        n = int(self.table.column("n").sum()) if len(self.table) else 0
        self.subtitle.setText(f"{len(self.table)} {self.table.window} windows · {n:,} predictions")

    # ----------------------------------------------------------------- showing
    @property
    def chosen_metric(self) -> str:
        """The metric chosen in the box (not ``metric``: that is QWidget.metric(), which
        Qt calls while painting)."""
        return str(self.metric_box.currentData())

    def show_metric(self) -> None:
        table = self.table
        if table is None:
            return
        x = table.starts / US
        metric = self.chosen_metric
        self.plot.set_data("realised", x, table.column(metric))
        estimated = (
            table.column(f"est_{metric}") if metric in ESTIMATED else np.full(len(x), np.nan)
        )
        self.plot.set_data("estimated", x, estimated)
        t = self.ws.config.thresholds
        warn = t.f1_warning if metric == "f1" else None
        crit = {"f1": t.f1_critical, "fpr": t.fpr_critical}.get(metric)
        self.plot.set_threshold("warning", warn, "warning", critical=False)
        self.plot.set_threshold("critical", crit, "critical", critical=True)
        self.plot.y_format = (
            ".2%" if metric in ("fpr", "positive_rate", "label_coverage") else ".3f"
        )
        withheld = {s: table.status.count(s) for s in WITHHELD}
        if len(table) == 0:
            self.note.setText("No predictions are stored yet: import some on the Data page.")
        elif any(withheld.values()):
            self.note.setText(withheld_text(withheld, settings(self.ws).min_labels))
        else:
            self.note.setText("Every window has enough labels.")

    def show_confusion(self) -> None:
        table, i = self.table, self.selected
        if table is None or i is None or i >= len(table):
            self.confusion_title.setText("Confusion matrix (no labelled window yet)")
            self.confusion.set_counts(0, 0, 0, 0)
            return
        c = table.columns
        self.confusion_title.setText(
            f"Confusion matrix · {table.start_iso(i)[:16].replace('T', ' ')}"
        )
        self.confusion.set_counts(c["tp"][i], c["fp"][i], c["fn"][i], c["tn"][i])

    def show_segments(self) -> None:
        table = self.segments.get(self.segment_box.currentText())
        self.segment_table.set_rows(table.rows() if table else [])

    def select_window(self, x_seconds: float) -> None:
        """Select the window containing ``x_seconds`` (its confusion matrix is shown)."""
        if self.table is None or len(self.table) == 0:
            return
        i = int(np.searchsorted(self.table.starts / US, x_seconds, side="right")) - 1
        self.selected = min(max(i, 0), len(self.table) - 1)
        self.show_confusion()

    def _clicked(self, event: Any) -> None:
        pos = event.scenePos()
        if self.plot.plot.sceneBoundingRect().contains(pos):
            self.select_window(self.plot.plot.vb.mapSceneToView(QPointF(pos)).x())

    def export(self, kind: str) -> None:
        path = ExportDialog.ask(self, kind)
        if path is None:
            return
        try:
            self.plot.export_png(path) if kind == "png" else self.plot.export_csv(path)
        except OSError as exc:
            workers.show_error(self, f"Export {kind.upper()}", exc)


class ExportDialog:
    """Where to save an export (tests replace :meth:`ask`)."""

    @classmethod
    def ask(cls, parent: QWidget, kind: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            parent, f"Export {kind.upper()}", f"performance.{kind}", f"*.{kind}"
        )
        return Path(name) if name else None
