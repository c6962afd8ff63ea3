"""Model performance over time windows and per segment, realised and estimated.

:func:`windowed_metrics` is what the Performance page, ``console metrics`` and the
daily checks read: one row per window (hour, day or week) with the confusion matrix,
F1, precision, recall, FPR, accuracy, ROC AUC, PR AUC (average precision), positive
rate, label coverage and label delay, a status saying when a figure is withheld, and
beside them the estimated precision/recall/F1/FPR from scores (``est_*``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.monitoring import estimation
from console.core.monitoring.metrics import STATUS_TEXT, column_rows, group_metrics
from console.core.monitoring.settings import MonitoringSettings, settings
from console.core.monitoring.windows import (
    F64,
    I64,
    US,
    LoggedRows,
    load_rows,
    window_ids,
    window_width,
)

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class MetricTable:
    """Columns of per-window (or per-segment) figures; NaN where withheld."""

    window: str
    starts: I64  # window start, us since the epoch (per segment: zeros)
    columns: dict[str, F64]
    status: list[str]
    labels: list[str] = field(default_factory=list)  # per segment: the value
    reference_rows: int = 0

    def __len__(self) -> int:
        return len(self.status)

    def column(self, name: str) -> F64:
        return self.columns[name]

    def start_iso(self, i: int) -> str:
        moment = dt.datetime.fromtimestamp(int(self.starts[i]) / US, tz=dt.UTC)
        return moment.isoformat(timespec="seconds")

    def rows(self) -> list[dict[str, Any]]:
        table: dict[str, Any] = dict(self.columns)
        table["status"] = self.status
        out = column_rows(table)
        for i, row in enumerate(out):
            row["window"] = self.labels[i] if self.labels else self.start_iso(i)
            row["note"] = STATUS_TEXT.get(self.status[i], "")
        return out


def compute(rows: LoggedRows, window: str, cfg: MonitoringSettings) -> MetricTable:
    """Windowed realised and estimated metrics of rows already loaded (pure numpy)."""
    ids, first_start, count = window_ids(rows.ts, window)
    table = group_metrics(ids, count, rows, min_labels=cfg.min_labels)
    status = table.pop("status")
    assert isinstance(status, list)
    columns = {k: v for k, v in table.items() if isinstance(v, np.ndarray)}
    reference = estimation.reference_mask(
        ids, columns["label_coverage"], rows, cfg.min_label_coverage
    )
    calibration = estimation.fit_calibration(rows.score[reference], rows.label[reference])
    columns.update(estimation.estimate(ids, count, rows, calibration))
    starts = first_start + np.arange(count, dtype=np.int64) * window_width(window)
    return MetricTable(window, starts, columns, status, reference_rows=calibration.reference_rows)


def windowed_metrics(
    ws: Workspace,
    *,
    window: str = "day",
    start: dt.date | None = None,
    end: dt.date | None = None,
    ctx: JobContext | None = None,
) -> MetricTable:
    """Metrics per ``window`` over predictions scored on days [start, end]."""
    ctx = ctx or JobContext()
    cfg = settings(ws)
    window_ids(np.zeros(0, np.int64), window)  # validate the name before reading
    if start and end and end < start:
        raise BadInput(f"end {end} is before start {start}")
    ctx.progress(0.0, "Reading predictions and labels")
    rows = load_rows(ws, start=start, end=end, segments=False)
    ctx.progress(0.6, f"Computing {window}ly metrics over {len(rows):,} rows")
    table = compute(rows, window, cfg)
    ctx.progress(1.0, "Done")
    return table


def segment_metrics(
    ws: Workspace,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    ctx: JobContext | None = None,
) -> dict[str, MetricTable]:
    """Per configured segment column, metrics per value over days [start, end]."""
    ctx = ctx or JobContext()
    ctx.progress(0.0, "Reading predictions and labels")
    rows = load_rows(ws, start=start, end=end, segments=True)
    return compute_segments(rows, settings(ws), ctx.sub(0.5, 1.0))


def windows_and_segments(
    ws: Workspace, *, window: str = "day", ctx: JobContext | None = None
) -> tuple[MetricTable, dict[str, MetricTable]]:
    """Both tables of the Performance page from one read of the log."""
    ctx = ctx or JobContext()
    cfg = settings(ws)
    window_ids(np.zeros(0, np.int64), window)
    ctx.progress(0.0, "Reading predictions and labels")
    rows = load_rows(ws, segments=True)
    ctx.progress(0.5, f"Computing {window}ly metrics over {len(rows):,} rows")
    table = compute(rows, window, cfg)
    return table, compute_segments(rows, cfg, ctx.sub(0.8, 1.0))


def compute_segments(
    rows: LoggedRows, cfg: MonitoringSettings, ctx: JobContext
) -> dict[str, MetricTable]:
    out: dict[str, MetricTable] = {}
    for number, (name, (codes, values)) in enumerate(rows.segments.items()):
        ctx.progress(number / max(len(rows.segments), 1), f"Segment {name}")
        groups = np.where(codes < 0, len(values), codes).astype(np.int64)
        labels = [*values, "(missing)"]
        table = group_metrics(groups, len(labels), rows, min_labels=cfg.min_labels)
        status = table.pop("status")
        assert isinstance(status, list)
        columns = {k: v for k, v in table.items() if isinstance(v, np.ndarray)}
        keep = sorted(
            (i for i in range(len(labels)) if columns["n"][i] > 0),
            key=lambda i: segment_order(labels[i], missing=i == len(values)),
        )
        out[name] = MetricTable(
            "segment",
            np.zeros(len(keep), np.int64),
            {k: v[keep] for k, v in columns.items()},
            [status[i] for i in keep],
            labels=[labels[i] for i in keep],
        )
    ctx.progress(1.0, "Done")
    return out


def segment_order(value: str, *, missing: bool = False) -> tuple[bool, float, str]:
    """Segments in order: numbers by value (2 before 10), then text, "(missing)" last."""
    try:
        number = float(value)
    except ValueError:
        number = float("inf")
    return missing, number, value


def last_labelled(table: MetricTable, before_us: int, cfg: MonitoringSettings) -> int | None:
    """Index of the newest complete window (ending by ``before_us``) whose labels have
    mostly arrived; None when there is none."""
    width = _width(table)
    coverage = np.nan_to_num(table.column("label_coverage"), nan=0.0)
    for i in range(len(table) - 1, -1, -1):
        if table.starts[i] + width > before_us:
            continue
        if table.status[i] in ("ok", "one_class") and coverage[i] >= cfg.min_label_coverage:
            return i
    return None


def last_complete(table: MetricTable, before_us: int) -> int | None:
    """Index of the newest window with rows that ended by ``before_us``."""
    width = _width(table)
    for i in range(len(table) - 1, -1, -1):
        if table.starts[i] + width <= before_us and table.column("n")[i] > 0:
            return i
    return None


def _width(table: MetricTable) -> int:
    return window_width(table.window)
