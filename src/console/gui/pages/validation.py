"""Validation: the latest weekly validation and monthly retraining, from their job runs.

The Validation tab has the backtest of every model (per day, week, segment, overall)
with recall per day plotted, the metrics review in sentences and the threshold
trade-off with the current and proposed thresholds; "Propose this threshold…" (admin)
registers production with it as a patch candidate and opens the checked promote. The
Retraining tab sets the candidate beside production on the held-out days and has
"Promote candidate…".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.core.base import access
from console.core.base.workspace import Workspace
from console.core.maintenance import runner, runs
from console.core.models import validation
from console.gui import formatting, workers
from console.gui.dialogs.promote import PromoteDialog
from console.gui.pages.base import Page
from console.gui.style import THEME, icon
from console.gui.widgets.panel import panel
from console.gui.widgets.tables import table_with_headers
from console.gui.widgets.tradeoff_plot import MODEL_COLOURS, TradeoffPlot

VIEWS = {"per week": "per_week", "per day": "per_day", "overall": "overall"}
METRICS = ("n_rows", "n_positives", "precision", "recall", "f1", "fpr")


def _text(value: Any) -> str:
    if isinstance(value, float):
        return formatting.metric(value, 4)
    return "–" if value is None else str(value)


def _fill(table: QTableWidget, rows: list[list[Any]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.setItem(r, c, QTableWidgetItem(_text(value)))


class ValidationPage(Page):
    key = "validation"
    title = "Validation"
    icon_name = "mdi6.chart-bell-curve-cumulative"
    order = 55
    listens_to = ("job_finished", "registered", "deployed")

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        for name, text in (("validation", "Run validation"), ("retraining", "Run retraining")):
            action = self.page_action(
                text, "mdi6.play-circle-outline", "", self._runner(name), needs="job.run"
            )
            self.add_header_button(action)
        self.report: dict[str, Any] | None = None
        self.run_id: int | None = None
        self.retrained: dict[str, Any] | None = None
        self.job: workers.RunningJob | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._validation_tab(), icon("mdi6.check-decagram-outline"), "Validation")
        self.tabs.addTab(self._retraining_tab(), icon("mdi6.school-outline"), "Retraining")
        self.body.addWidget(self.tabs, 1)

    def _runner(self, name: str) -> Any:
        return lambda _checked=False: self.run(name)

    # ------------------------------------------------------------------ building
    def _validation_tab(self) -> QWidget:
        self.summary = QLabel("No validation has run yet: Run validation.")
        self.summary.setWordWrap(True)
        self.view = QComboBox()
        self.view.addItems([*VIEWS, *self.ws.config.data_schema.segments])
        self.view.currentTextChanged.connect(lambda _t: self._fill_backtest())
        self.backtest = table_with_headers(
            QTableWidget(), ["Model", "Window", "Rows", "Positives", "Precision", "Recall", "F1",
                             "FPR"])  # fmt: skip
        self.threshold_text = QLabel("")
        self.threshold_text.setWordWrap(True)
        self.propose_button = QPushButton(icon("mdi6.tune-vertical"), "Propose this threshold…")
        self.propose_button.clicked.connect(self.propose)
        role = self.ws.role_of(self.user)
        if not access.allowed(role, "model.adopt_threshold"):
            self.propose_button.setToolTip(f"Needs the admin role; {self.user} is {role}.")
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Show"))
        pick.addWidget(self.view)
        pick.addStretch(1)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(pick)
        column.addWidget(self.backtest, 2)
        column.addWidget(self.part(self._make_recall_plot), 1)
        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.part(self._make_threshold_plot), 1)
        side.addWidget(self.threshold_text)
        side.addWidget(self.propose_button, 0, Qt.AlignmentFlag.AlignRight)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(panel("Backtest", left))
        split.addWidget(panel("Threshold validation", right))
        split.setSizes([620, 460])
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(panel("Metrics review", self.summary))
        layout.addWidget(split, 1)
        return tab

    def _make_recall_plot(self) -> QWidget:
        self.recall_plot = pg.PlotWidget(background=THEME.surface)
        self.recall_plot.setMinimumHeight(180)
        self.recall_plot.getPlotItem().setTitle("Recall per day", color=THEME.text, size="10pt")
        self.recall_plot.getPlotItem().addLegend(offset=(-10, 10))
        plot: QWidget = self.recall_plot
        return plot

    def _make_threshold_plot(self) -> QWidget:
        self.threshold_plot = TradeoffPlot(
            "Recall and precision as the threshold moves (recent labelled days)",
            x_label="false positive rate",
        )
        return self.threshold_plot

    def _make_models_plot(self) -> QWidget:
        self.models_plot = TradeoffPlot("Recall against FPR on the held-out days", x_label="FPR")
        return self.models_plot

    def _retraining_tab(self) -> QWidget:
        self.retrain_summary = QLabel("No retraining has run yet: Run retraining.")
        self.retrain_summary.setWordWrap(True)
        self.comparison = table_with_headers(
            QTableWidget(), ["Metric", "Production", "Candidate", "Change"]
        )
        self.segments = table_with_headers(
            QTableWidget(),
            ["Segment", "Rows", "Positives", "Recall (prod.)", "Recall (cand.)", "FPR (prod.)",
             "FPR (cand.)"],
        )  # fmt: skip
        self.card_diff = table_with_headers(
            QTableWidget(), ["Card field", "Production", "Candidate"]
        )
        self.promote_button = QPushButton(icon("mdi6.rocket-launch-outline"), "Promote candidate…")
        self.promote_button.clicked.connect(self.promote_candidate)
        self.promote_button.setEnabled(False)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(panel("Candidate vs production", self.comparison))
        left.addWidget(panel("Per segment", self.segments))
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(panel("Trade-off", self.part(self._make_models_plot)))
        right.addWidget(panel("Model card differences", self.card_diff))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 560])
        tab = QWidget()
        layout = QVBoxLayout(tab)
        head = QHBoxLayout()
        head.addWidget(self.retrain_summary, 1)
        head.addWidget(self.promote_button)
        layout.addLayout(head)
        layout.addWidget(split, 1)
        return tab

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        last = runs.latest(self.ws, "validation")
        self.report, self.run_id = (last.report, last.id) if last else (None, None)
        retrained = runs.latest(self.ws, "retraining")
        self.retrained = retrained.report if retrained else None
        self._show_validation(last)
        self._show_retraining(retrained)

    def _show_validation(self, run: runs.JobRun | None) -> None:
        report = self.report
        if report is None or run is None:
            self.subtitle.setText("No validation run yet")
            self.propose_button.setEnabled(False)
            return
        self.subtitle.setText(
            f"Validation run {run.id}, {formatting.timestamp(run.started_at)} "
            f"({run.trigger}, {run.user}) · {report['start']}..{report['end']} · "
            f"{report['rows']:,} labelled rows · {report['compute']}"
        )
        self.summary.setText(
            "\n".join([report["summary"], *("• " + f for f in report["findings"])])
        )
        self._fill_backtest()
        self._plot_recall()
        info = report.get("threshold", {})
        points = {}
        if info.get("current_point"):
            points[f"current {info['current']:.4f}"] = (info["current"], info["current_point"])
        if info.get("proposed_point"):
            points[f"proposed {info['proposed']:.4f}"] = (info["proposed"], info["proposed_point"])
        self.threshold_plot.show_threshold_curve(
            info.get("curve", {}), points, info.get("max_fpr", 0.01)
        )
        self.threshold_text.setText(info.get("sentence", ""))
        role = self.ws.role_of(self.user)
        self.propose_button.setEnabled(
            info.get("proposed") is not None and access.allowed(role, "model.adopt_threshold")
        )

    def _fill_backtest(self) -> None:
        if self.report is None:
            return
        view = self.view.currentText()
        rows: list[list[Any]] = []
        for model in self.report["models"]:
            name = f"{model['version']} ({model['stage'][:4]}.)"
            if view == "overall":
                found = [("all", model["overall"])]
            elif view in VIEWS:
                key = "day" if view == "per day" else "week"
                found = [(r[key], r) for r in model[VIEWS[view]]]
            else:
                found = [(r["value"], r) for r in model["per_segment"].get(view, [])]
            rows += [[name, label, *(m.get(k) for k in METRICS)] for label, m in found]
        _fill(self.backtest, [[r[0], r[1], int(r[2]), int(r[3]), *r[4:]] for r in rows])

    def _plot_recall(self) -> None:
        assert self.report is not None
        item = self.recall_plot.getPlotItem()
        item.clear()
        days: list[str] = []
        for model, colour in zip(self.report["models"], MODEL_COLOURS * 4, strict=False):
            per_day = model["per_day"]
            days = days or [d["day"] for d in per_day]
            item.plot(np.arange(len(per_day)), [d["recall"] for d in per_day],
                      pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                      name=model["version"])  # fmt: skip
        axis = item.getAxis("bottom")
        step = max(1, len(days) // 7)
        axis.setTicks([[(i, days[i][5:]) for i in range(0, len(days), step)]])

    def _show_retraining(self, run: runs.JobRun | None) -> None:
        report = self.retrained
        if report is None or run is None:
            self.promote_button.setEnabled(False)
            return
        self.retrain_summary.setText(
            f"Run {run.id}, {formatting.timestamp(run.started_at)}: {report['summary']}. "
            f"Held out {report['holdout']['span']} ({report['holdout']['rows']:,} rows); "
            f"{report['compute']}."
        )
        _fill(self.comparison, [[r["metric"], r["production"], r["candidate"], r["change"]]
                                for r in report["comparison"]])  # fmt: skip
        _fill(self.segments, [
            [f"{seg}={r['value']}", r["rows"], r["positives"], r["production_recall"],
             r["candidate_recall"], r["production_fpr"], r["candidate_fpr"]]
            for seg, items in report["per_segment"].items() for r in items
        ])  # fmt: skip
        _fill(self.card_diff, [[r["field"], r["production"], r["candidate"]]
                               for r in report["card_diff"]])  # fmt: skip
        self.models_plot.show_models(
            {f"production {report['production']}": report["curves"]["production"],
             f"candidate {report['candidate']}": report["curves"]["candidate"]},
            self.ws.config.validation.max_fpr,
        )  # fmt: skip
        from console.core.models import registry

        candidate = registry.get(self.ws, report["candidate"])
        self.promote_button.setEnabled(candidate is not None and candidate.stage == "candidate")

    # ------------------------------------------------------------------ actions
    def run(self, name: str) -> None:
        self.job = workers.run_job(
            self, f"Run {name}", runner.run_job, self.ws, self.user, name,
            on_done=self._ended, on_error=self._ended, on_cancelled=lambda: self._ended(None),
        )  # fmt: skip

    def _ended(self, _result: object) -> None:
        self.job = None
        self.refresh()
        self.changed.emit()

    def propose(self) -> None:
        if self.report is None:
            return
        reason = ThresholdReason.ask(self, self.report["threshold"])
        if not reason:
            return
        try:
            model = validation.adopt_threshold(
                self.ws, self.user, self.report, reason=reason, run_id=self.run_id
            )
        except Exception as exc:
            workers.show_error(self, "Propose threshold", exc)
            return
        self.changed.emit()
        PromoteDialog.ask(self, self.ws, self.user, version=model.version)
        self.changed.emit()

    def promote_candidate(self) -> None:
        if self.retrained is None:
            return
        PromoteDialog.ask(self, self.ws, self.user, version=self.retrained["candidate"])
        self.refresh()
        self.changed.emit()


class ThresholdReason:
    """Asks why the threshold changes (tests replace :meth:`ask`)."""

    @classmethod
    def ask(cls, parent: QWidget, info: dict[str, Any]) -> str | None:
        text, ok = QInputDialog.getText(
            parent, "Propose this threshold",
            f"Register production {info.get('version')} with threshold "
            f"{info.get('proposed', 0):.4f} (now {info.get('current', 0):.4f}) as a new patch "
            "version, then promote it with the usual checks.\nWhy?",
        )  # fmt: skip
        return text.strip() if ok and text.strip() else None
