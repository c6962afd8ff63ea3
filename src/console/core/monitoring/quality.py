"""Data quality of the prediction log and health of the pipeline that feeds it.

Per window and feature: the share of missing values, of numbers outside the range the
production model was trained on, and of categories it never saw; duplicate ids; stored
parts whose columns no longer match the configured schema. Pipeline: time since the
last accepted predictions file against the expected cadence, refused or failed
batches, and each day's volume against the median of the days before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from console.core.base import clock
from console.core.base.jobs import JobContext
from console.core.data import store
from console.core.models import registry
from console.core.monitoring.windows import F64, I64, US, bincount, window_ids, window_width

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class Profile:
    """What the training data looked like: numeric ranges and known categories."""

    ranges: dict[str, tuple[float, float]]
    categories: dict[str, set[str]]


@dataclass(frozen=True)
class QualityTable:
    """Per window (rows) and feature (columns): missing, out-of-range and unseen shares."""

    window: str
    starts: I64
    features: list[str]
    rows: F64
    missing: F64  # shape (windows, features)
    out_of_range: F64  # NaN where the feature has no training range
    unseen: F64  # NaN where the feature is not a category
    duplicate_ids: int
    has_profile: bool

    def as_dict(self) -> dict[str, Any]:
        def clean(a: F64) -> list[Any]:
            return [None if np.isnan(v) else float(v) for v in a]

        windows = []
        for i, start in enumerate(self.starts):
            windows.append(
                {
                    "window": dt.datetime.fromtimestamp(int(start) / US, dt.UTC).isoformat(),
                    "rows": int(self.rows[i]),
                    "missing": dict(zip(self.features, clean(self.missing[i]), strict=True)),
                    "out_of_range": dict(
                        zip(self.features, clean(self.out_of_range[i]), strict=True)
                    ),
                    "unseen": dict(zip(self.features, clean(self.unseen[i]), strict=True)),
                }
            )
        return {
            "window": self.window,
            "duplicate_ids": self.duplicate_ids,
            "has_profile": self.has_profile,
            "windows": windows,
        }


def training_profile(ws: Workspace) -> Profile | None:
    """Ranges and categories of the production model's training data (None without one)."""
    from console.core.data import datasets

    model = registry.production(ws)
    if model is None or model.dataset is None:
        return None
    frame = datasets.load(ws, model.dataset)
    ranges: dict[str, tuple[float, float]] = {}
    categories: dict[str, set[str]] = {}
    for name, kind in ws.config.data_schema.features.items():
        if name not in frame.columns:
            continue
        column = frame[name].dropna()
        if kind == "category":
            categories[name] = {str(v) for v in column.unique()}
        elif len(column):
            ranges[name] = (float(column.min()), float(column.max()))
    return Profile(ranges, categories)


def quality_table(
    ws: Workspace,
    *,
    window: str = "day",
    start: dt.date | None = None,
    end: dt.date | None = None,
    ctx: JobContext | None = None,
) -> QualityTable:
    """Data quality per window over predictions scored on days [start, end]."""
    import pyarrow.compute as pc

    ctx = ctx or JobContext()
    window_width(window)
    schema = ws.config.data_schema
    features = list(schema.features)
    ctx.progress(0.0, "Reading the prediction log")
    table = store.read(
        ws, "predictions", [schema.id, schema.timestamp, *features], start=start, end=end
    )
    profile = training_profile(ws)
    ctx.progress(0.4, "Checking values")
    from console.core.monitoring.windows import _micros

    ts = _micros(table.column(schema.timestamp)) if table.num_rows else np.zeros(0, np.int64)
    ids, first, count = window_ids(ts, window)
    rows = bincount(ids, minlength=count).astype(np.float64)
    shape = (count, len(features))
    missing, out_of_range, unseen = np.zeros(shape), np.full(shape, np.nan), np.full(shape, np.nan)
    for j, name in enumerate(features):
        ctx.progress(0.4 + 0.5 * j / len(features), f"Checking {name}")
        column = table.column(name)
        null = np.asarray(column.is_null(nan_is_null=True).to_numpy(zero_copy_only=False), bool)
        missing[:, j] = _share(ids, null, rows, count)
        if profile is None:
            continue
        if name in profile.categories:
            known = list(profile.categories[name])
            seen = np.asarray(
                pc.is_in(column, value_set=_string_array(known)).to_numpy(zero_copy_only=False),
                bool,
            )
            unseen[:, j] = _share(ids, ~seen & ~null, rows, count)
        elif name in profile.ranges:
            low, high = profile.ranges[name]
            values = np.asarray(column.to_numpy(), dtype=np.float64)
            with np.errstate(invalid="ignore"):
                outside = ~null & ((values < low) | (values > high))
            out_of_range[:, j] = _share(ids, outside, rows, count)
    duplicates = (
        table.num_rows - pc.count_distinct(table.column(schema.id)).as_py() if table.num_rows else 0
    )
    ctx.progress(1.0, "Done")
    starts = first + np.arange(count, dtype=np.int64) * window_width(window)
    return QualityTable(
        window,
        starts,
        features,
        rows,
        missing,
        out_of_range,
        unseen,
        int(duplicates),
        profile is not None,
    )


def _share(ids: I64, flags: np.ndarray, rows: F64, count: int) -> F64:
    hits = bincount(ids[flags], minlength=count).astype(np.float64)
    out = np.full(count, np.nan)
    np.divide(hits, rows, out=out, where=rows > 0)
    return out


def _string_array(values: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(values, pa.string())


def schema_violations(ws: Workspace) -> list[str]:
    """Stored parts whose columns or types differ from the configured schema."""
    import pyarrow.parquet as pq

    violations: list[str] = []
    for kind in store.KINDS:
        expected = store.stored_schema(ws.config.data_schema, kind)
        optional = {store.MODEL_VERSION, store.LATENCY_MS}
        for path in store.part_paths(ws, kind):
            try:
                actual = pq.read_schema(path)
            except (OSError, ValueError) as exc:
                violations.append(f"{ws.relative(path)}: unreadable ({exc})")
                continue
            for f in expected:
                if f.name not in actual.names:
                    if f.name not in optional:
                        violations.append(f"{ws.relative(path)}: column {f.name!r} is missing")
                elif not actual.field(f.name).type.equals(f.type):
                    violations.append(
                        f"{ws.relative(path)}: column {f.name!r} is {actual.field(f.name).type}, "
                        f"expected {f.type}"
                    )
    return violations


@dataclass(frozen=True)
class PipelineHealth:
    last_ingest_at: str | None
    hours_since_ingest: float | None
    refused_24h: int
    failed_24h: int
    day_rows: dict[str, int] = field(default_factory=dict)
    refused_messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def pipeline_health(ws: Workspace, now: dt.datetime) -> PipelineHealth:
    """Last accepted predictions ingest, refused/failed batches in the last 24 h, rows/day."""
    conn = ws.conn
    last = conn.execute(
        "SELECT MAX(finished_at) AS t FROM batches WHERE kind = 'predictions' AND outcome = 'ok'"
    ).fetchone()["t"]
    hours = None
    if last:
        hours = (now - dt.datetime.fromisoformat(last)).total_seconds() / 3600.0
    since = (now - dt.timedelta(hours=24)).isoformat(timespec="milliseconds")
    bad = conn.execute(
        "SELECT outcome, source, message FROM batches WHERE outcome IN ('refused','failed') "
        "AND finished_at >= ? ORDER BY id DESC",
        (since,),
    ).fetchall()
    days = store.daily_counts(conn)["predictions"]
    return PipelineHealth(
        last_ingest_at=last,
        hours_since_ingest=hours,
        refused_24h=sum(1 for r in bad if r["outcome"] == "refused"),
        failed_24h=sum(1 for r in bad if r["outcome"] == "failed"),
        day_rows=days,
        refused_messages=[named(str(r["source"]), str(r["message"])) for r in bad[:5]],
    )


def named(source: str, message: str) -> str:
    """``message`` prefixed with the batch's source, unless it names the source already
    (refusals do: "file.csv: missing column(s) …"); never the path twice."""
    return message if source and source in message else f"{source}: {message}"


def quality_and_health(ws: Workspace, *, ctx: JobContext) -> tuple[QualityTable, PipelineHealth]:
    """The Data quality page's figures: quality per day over the whole log, then the
    pipeline's health now. Read-only: the window runs it in its job process."""
    table = quality_table(ws, window="day", ctx=ctx)
    return table, pipeline_health(ws, clock.now())
