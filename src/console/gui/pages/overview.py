"""Overview: the model in production, the data, and the daily checks at a glance.

The status tiles read the last stored check report (``console check`` or Run checks)
and, live, the drift summary, the scoring service and the open alerts; each opens its
page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QWidget,
)

from console.core.alerts.check_run import CheckRun, check_and_evaluate
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.data import store
from console.core.models import registry
from console.core.models.registry import ModelVersion
from console.core.security import anchor
from console.gui import formatting as fmt
from console.gui import workers
from console.gui.pages.audit import BANNER
from console.gui.pages.base import Page
from console.gui.style import THEME
from console.gui.widgets.daily_chart import DailyCountsChart
from console.gui.widgets.overview_status import StatusFacts, StatusTiles, gather_status
from console.gui.widgets.panel import panel
from console.gui.widgets.stat_tile import StatTile, tile_row
from console.gui.widgets.what_changed import WhatChangedPanel

OUTCOME_STATES = {"ok": "ok", "refused": "warning", "failed": "warning"}


@dataclass(frozen=True)
class OverviewFacts:
    """Everything the Overview shows, read in one go off the GUI thread."""

    model: ModelVersion | None
    summary: store.Summary
    counts: dict[str, Any]
    status: StatusFacts
    audit: anchor.AnchorReport  # the log's end and security state against the keyring


def gather_overview(ws: Workspace, *, ctx: JobContext) -> OverviewFacts:
    """The Overview's background read (database, and the service's /health)."""
    ctx.progress(0.1, "Reading the store")
    summary = store.summary(ws.conn)
    counts = store.daily_counts(ws.conn)
    ctx.progress(0.5, "Reading the status")
    return OverviewFacts(
        registry.production(ws), summary, counts, gather_status(ws), audit_state(ws)
    )


def audit_state(ws: Workspace) -> anchor.AnchorReport:
    """The quick check of the audit head and security state (a keyring error is
    reported as not tamper-evident, never raised into the page)."""
    try:
        return anchor.check(ws.conn)
    except Exception as exc:  # keyring backends raise anything
        return anchor.AnchorReport(notes=[f"{anchor.UNPROTECTED} ({exc})"])


#: narrower than this, the chart and "what changed" stack
SIDE_BY_SIDE_WIDTH = 940


class OverviewPage(Page):
    key = "overview"
    title = "Overview"
    icon_name = "mdi6.view-dashboard-outline"
    order = 0
    listens_to = (
        "ingested", "report_stored", "deployed", "alerts_changed", "service_changed",
        "backup_verified", "drift_analysed",
    )  # fmt: skip

    #: the summary of a finished Run checks, for the status bar
    checked = Signal(str)

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.model_tile = StatTile("Model in production", "mdi6.brain")
        self.predictions_tile = StatTile("Predictions", "mdi6.chart-bar")
        self.labels_tile = StatTile("Labels", "mdi6.tag-check-outline")
        self.last_ingest_tile = StatTile("Last ingest", "mdi6.file-import-outline")
        self.span_tile = StatTile("Data span", "mdi6.calendar-range")
        self.audit_note = QLabel("")
        self.audit_note.setWordWrap(True)
        self.body.addWidget(self.audit_note)
        self.top_tiles = tile_row(self.tiles())
        self.body.addWidget(self.top_tiles)
        self.status = StatusTiles(ws)
        self.status.open_page.connect(self.open_page)
        self.body.addWidget(self.status)
        self.run_action = self.header_action(
            "Run checks", "mdi6.clipboard-check-outline", "Ctrl+Shift+K", self.run_checks
        )
        self.run_action.setToolTip("Run the daily checks and store the report (Ctrl+Shift+K)")
        self.run_button = self.button_for(self.run_action)
        self.check_job: workers.RunningJob | None = None

        self.empty_note = QLabel(
            "No data ingested yet: import a predictions file on the Data page."
        )
        self.empty_note.setProperty("role", "muted")
        self.empty_note.setWordWrap(True)
        # the legend on its own line: beside the title it set the page's minimum width
        legend = DailyCountsChart.legend_label()
        chart_panel = panel(
            "Rows per day (UTC)", legend, self.empty_note, self.part(self._make_chart)
        )
        self.what_changed = WhatChangedPanel(ws, user)
        self.what_changed.set_moment(None, "in the last 72 hours")
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(chart_panel)
        self.split.addWidget(self.what_changed)
        self.split.setSizes([620, 420])
        self.body.addWidget(self.split, 1)

    def _make_chart(self) -> QWidget:
        self.chart = DailyCountsChart()
        return self.chart

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Chart and "what changed" side by side when there is room, else one above the
        other (the page scrolls instead of cutting either)."""
        super().resizeEvent(event)
        wide = self.scroll.viewport().width() >= SIDE_BY_SIDE_WIDTH
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.split.orientation() != orientation:
            self.split.setOrientation(orientation)

    def tiles(self) -> list[StatTile]:
        return [
            self.model_tile,
            self.predictions_tile,
            self.labels_tile,
            self.last_ingest_tile,
            self.span_tile,
        ]

    def refresh(self) -> None:
        """Read everything the page shows in the background; the tiles keep their
        figures until the new ones arrive."""
        self.load_in_background("Reading the overview", gather_overview, self.ws,
                                on_done=self.show_overview)  # fmt: skip

    def show_overview(self, facts: OverviewFacts) -> None:
        self._show_model(facts.model)
        self._show_data(facts.summary)
        self._show_last_ingest(facts.summary)
        self.chart.set_counts(facts.counts)
        self.empty_note.setVisible(not any(facts.counts.values()))
        self.status.show_facts(facts.status)
        self._show_audit_state(facts.audit)
        self.subtitle.setText(f"Updated {datetime.now().strftime('%H:%M:%S')} · F5 refreshes")

    def _show_audit_state(self, found: anchor.AnchorReport) -> None:
        """The audit log's protection in one line: tampered (red), not tamper-evident here
        (amber), or anchored (muted)."""
        self.ws.integrity = found
        if not found.ok:
            text = f"Audit log or security state tampered with: {found.described()}"
            state = "danger"
        elif not found.anchored:
            text, state = "Audit log NOT tamper-evident here: " + "; ".join(found.notes), "warning"
        else:
            text, state = f"Audit log anchored: signed head at entry {found.head_seq}.", "ok"
        self.audit_note.setText(text)
        self.audit_note.setProperty("audit_state", state)
        colours = {
            "ok": (THEME.border, THEME.surface),
            "warning": (THEME.warning, THEME.warning_soft),
            "danger": (THEME.danger, THEME.danger_soft),
        }
        border, background = colours[state]
        self.audit_note.setStyleSheet(BANNER.format(border=border, bg=background))

    def run_checks(self) -> None:
        """Run the daily checks and evaluate the alerts as a job (Cancel in its dialog);
        the page refreshes when the report is stored."""
        if self.check_job is not None:
            return
        self.check_job = workers.run_job(
            self,
            "Running the daily checks",
            check_and_evaluate,
            self.ws,
            self.user,
            on_done=self._checked,
        )
        self.check_job.ended.connect(self._check_ended)

    def _checked(self, run: CheckRun) -> None:
        self.checked.emit(run.summary())

    def _check_ended(self, _outcome: str) -> None:
        self.check_job = None

    def _show_model(self, model: ModelVersion | None) -> None:
        if model is None:
            self.model_tile.show_value("none", "no model is in\nproduction yet", state="warning")
            return
        metrics = model.metrics
        self.model_tile.show_value(
            model.version,
            f"threshold {model.threshold:.4f}\nholdout F1 {fmt.metric(metrics.get('f1'))}"
            f" · AUC {fmt.metric(metrics.get('roc_auc'))}",
        )

    def _show_data(self, summary: store.Summary) -> None:
        last_scored = fmt.timestamp(summary.last_ts) if summary.last_ts else "–"
        self.predictions_tile.show_value(
            fmt.count(summary.predictions), f"last scored\n{last_scored}"
        )
        coverage = (
            f"{fmt.percent(summary.label_coverage)} of predictions\nhave a label"
            if summary.label_coverage is not None
            else "no predictions\nto label yet"
        )
        self.labels_tile.show_value(fmt.count(summary.labels), coverage)
        days = fmt.span_days(summary.first_ts, summary.last_ts)
        self.span_tile.show_value(
            "–" if days is None else f"{days} day{'s' if days != 1 else ''}",
            f"{fmt.day(summary.first_ts)} →\n{fmt.day(summary.last_ts)}" if days else "",
        )

    def _show_last_ingest(self, summary: store.Summary) -> None:
        last = summary.last_ingest
        if last is None:
            self.last_ingest_tile.show_value("never", "nothing has been\nimported yet")
            return
        outcome = str(last["outcome"])
        rows = f" · {fmt.count(last['rows'])} rows" if outcome == "ok" else ""
        self.last_ingest_tile.show_value(
            outcome,
            f"{last['kind']}{rows}\n{fmt.timestamp(last['finished_at'])}",
            state=OUTCOME_STATES.get(outcome, ""),
        )
        tip = str(last.get("message") or "")
        self.last_ingest_tile.setToolTip(f"Batch {last['id']}: {tip}" if tip else "")
