"""Data quality: missing, out-of-range and unseen values per day, and pipeline health.

The figures are computed in the background when the page is shown and after every
``ingested`` event: a batch imported here, by the CLI, or logged by the scoring service
(noticed through the change feed). No timer, no dialog: a thin bar under the title
while it computes, the previous figures meanwhile.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtWidgets import (
    QLabel,
    QTableWidget,
    QWidget,
)

from console.core.base import job_process
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.monitoring import quality
from console.core.monitoring.quality import PipelineHealth, QualityTable
from console.gui import formatting as fmt
from console.gui import warmup
from console.gui.pages.base import Page
from console.gui.widgets.confusion_table import table_item
from console.gui.widgets.metric_plot import MetricPlot
from console.gui.widgets.panel import panel
from console.gui.widgets.side_by_side import SideBySide
from console.gui.widgets.tables import style_grid

#: narrower than this, the plot and the per-feature table stack (the page scrolls)
SIDE_BY_SIDE_WIDTH = 820

SHARES = (
    ("missing", "missing"),
    ("out_of_range", "out of training range"),
    ("unseen", "unseen category"),
)


def load_quality(ws: Workspace, *, ctx: JobContext) -> tuple[QualityTable, PipelineHealth]:
    """The page's job: quality per day over the whole log, then pipeline health, in the
    process kept for heavy reads (its numpy and pandas work never shares the
    interpreter lock with the GUI thread)."""
    return job_process.call(  # type: ignore[no-any-return]
        quality.quality_and_health, ws, ctx=ctx, preload=warmup.PROCESS_MODULES
    )


class QualityPage(Page):
    key = "quality"
    title = "Data quality"
    icon_name = "mdi6.table-check"
    order = 20
    #: a new batch (from this window, the CLI or the scoring service) or another
    #: production model (another training profile) changes the figures
    listens_to = ("ingested", "deployed")

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.table: QualityTable | None = None
        self.stale = True  # computed when first shown
        self.features = QTableWidget(0, 4)
        self.features.setHorizontalHeaderLabels(["Feature", "Missing", "Out of range", "Unseen"])
        style_grid(self.features)
        self.features.verticalHeader().hide()
        self.features.setAlternatingRowColors(True)
        self.pipeline = QLabel("")
        self.pipeline.setWordWrap(True)
        self.features_title = QLabel("Per feature, last day")
        self.features_title.setProperty("role", "section")
        left = panel("Share of bad values per day (worst feature)", self.part(self._make_plot))
        right = panel("", self.features_title, self.features)
        pipe = panel("Pipeline health", self.pipeline)
        self.row = SideBySide(left, right, stretch=(5, 4), min_width=SIDE_BY_SIDE_WIDTH)
        self.body.addWidget(self.row, 1)
        self.body.addWidget(pipe)

    def _make_plot(self) -> QWidget:
        self.plot = MetricPlot(y_format=".2%")
        for key, label in SHARES:
            self.plot.add_series(key, f"worst feature: {label}")
        return self.plot

    def refresh(self) -> None:
        """Re-compute in the background while shown (else when next shown); the figures
        shown stay until the new ones arrive."""
        if not self.isVisible():
            self.stale = True
            return
        self.subtitle.setText(self.subtitle.text() or "Checking…")
        self.load_in_background(
            "Checking data quality", load_quality, self.ws, on_done=self.set_results
        )

    def set_results(self, result: tuple[QualityTable, PipelineHealth]) -> None:
        self.table, health = result
        table = self.table
        x = table.starts / 1e6
        for key, _label in SHARES:
            values = getattr(table, key)
            worst = np.full(len(x), np.nan)
            if values.size:
                with np.errstate(all="ignore"):
                    finite = np.where(np.isnan(values), -np.inf, values).max(axis=1)
                worst = np.where(np.isinf(finite), np.nan, finite)
            self.plot.set_data(key, x, worst)
        self.show_features()
        self.show_pipeline(health)
        profile = (
            "against the production model's training data"
            if table.has_profile
            else ("no training data to compare ranges and categories against")
        )
        self.subtitle.setText(
            f"{len(table.starts)} days · {int(table.rows.sum()):,} predictions · {profile}"
        )

    def show_features(self) -> None:
        table = self.table
        if table is None or not len(table.starts):
            self.features.setRowCount(0)
            self.features_title.setText("Per feature (no predictions stored yet)")
            return
        i = len(table.starts) - 1
        self.features_title.setText(f"Per feature, {fmt.day(_iso(table.starts[i]))}")
        self.features.setRowCount(len(table.features))
        for r, name in enumerate(table.features):
            self.features.setItem(r, 0, table_item(name, align_right=False))
            for c, values in enumerate((table.missing, table.out_of_range, table.unseen), 1):
                v = values[i, r]
                self.features.setItem(r, c, table_item("–" if math.isnan(v) else fmt.percent(v, 2)))

    def show_pipeline(self, health: PipelineHealth) -> None:
        hours = health.hours_since_ingest
        since = (
            "never"
            if hours is None
            else f"{hours:.1f} h ago ({fmt.timestamp(health.last_ingest_at)})"
        )
        parts = [
            f"Last accepted predictions file: {since}",
            f"Refused batches in 24 h: {health.refused_24h} · failed: {health.failed_24h}",
            f"Duplicate prediction ids: {self.table.duplicate_ids if self.table else 0}",
        ]
        parts += [f"⚠ {m}" for m in health.refused_messages[:3]]
        self.pipeline.setText("\n".join(parts))


def _iso(us: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(int(us) / 1e6, dt.UTC).isoformat()
