"""Concept drift over the workspace's labelled predictions, and performance by segment.

The stream is the labelled predictions in time order, 1 where the decision was wrong.
Predictions without a label (not yet confirmed) or without a valid decision are
counted and left out: they are never fed to a detector.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from console.core.base import clock
from console.core.base.jobs import JobContext
from console.core.data import store
from console.core.drift import concept, segments
from console.core.drift.report import json_safe

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class ConceptReport:
    n: int  # labelled outcomes in the stream
    unlabelled: int  # predictions left out: no label yet or no valid decision
    detectors: list[str]
    detections: list[concept.Detection]
    timeline: list[dict[str, Any]]
    segments: list[segments.SegmentPerformance] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    #: detectors with their parameters, the segment rules and the days they compared
    settings: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    created_at: str = ""

    @property
    def drift_points(self) -> list[concept.Detection]:
        return [d for d in self.detections if d.kind == "drift"]

    @property
    def warnings(self) -> list[concept.Detection]:
        """DDM's warnings: the error rate rose past the warning level (not yet drift)."""
        return [d for d in self.detections if d.kind == "warning"]

    def as_dict(self) -> dict[str, Any]:
        data = {
            **self.__dict__,
            "detections": [d.as_dict() for d in self.detections],
            "segments": [s.as_dict() for s in self.segments],
        }
        safe: dict[str, Any] = json_safe(data)
        return safe


def labelled_outcomes(
    ws: Workspace, *, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[pd.DataFrame, int]:
    """Labelled predictions in time order (ts, decision, label, segments) and how many
    predictions were left out."""
    schema = ws.config.data_schema
    cols = [schema.id, schema.timestamp, schema.decision, *schema.segments]
    pred = store.read(ws, "predictions", cols, start=start, end=end).to_pandas()
    labels = store.read(ws, "labels", [schema.id, schema.label, store.LABELLED_AT]).to_pandas()
    labels = labels.sort_values(store.LABELLED_AT).drop_duplicates(schema.id, keep="last")
    joined = pred.merge(labels[[schema.id, schema.label]], on=schema.id, how="inner")
    joined = joined.rename(columns={schema.decision: "decision", schema.label: "label"})
    valid = joined["decision"].isin([0, 1]) & joined["label"].isin([0, 1])
    joined = joined[valid].sort_values(schema.timestamp, kind="stable").reset_index(drop=True)
    return joined, len(pred) - len(joined)


def concept_settings(ws: Workspace) -> tuple[tuple[str, ...], dict[str, dict[str, float]],
                                              segments.SegmentRules]:  # fmt: skip
    """Detectors, their parameters and the segment rules of ``[drift.concept]``."""
    section = ws.config.drift.concept
    params = {"ddm": section.ddm.model_dump(), "page_hinkley": section.page_hinkley.model_dump()}
    rules = segments.SegmentRules(**section.segments.model_dump())
    return tuple(section.detectors), params, rules


def run_concept(
    ws: Workspace,
    user: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    detectors: tuple[str, ...] | None = None,
    ctx: JobContext | None = None,
    store_result: bool = True,
) -> ConceptReport:
    """Run the detectors over the labelled stream (role drift.run); store the result."""
    ctx = ctx or JobContext()
    ws.authorize(user, "drift.run", "drift:concept")
    configured, params, rules = concept_settings(ws)
    detectors = detectors or configured
    stamp = ws.config.data_schema.timestamp
    ctx.progress(0.0, "Reading labelled predictions")
    frame, left_out = labelled_outcomes(ws, start=start, end=end)
    errors = (frame["decision"].to_numpy() != frame["label"].to_numpy()).astype(np.float64)
    found = concept.detect(errors, detectors, params=params, ctx=ctx.sub(0.1, 0.8))
    times = frame[stamp]
    detections = [
        concept.Detection(d.detector, d.index, d.kind, clock.iso(times.iloc[d.index]))
        for d in found
    ]
    ctx.progress(0.85, "Performance by segment")
    segs = segments.by_segment(frame, stamp, list(ws.config.data_schema.segments), rules=rules)
    days = sorted(frame[stamp].dt.strftime("%Y-%m-%d").unique()) if len(frame) else []
    settings = {
        "detectors": {name: params.get(name, {}) for name in detectors},
        "segments": {**rules.__dict__, "windows": segments.windows(days, rules)},
    }
    report = ConceptReport(
        len(frame), left_out, list(detectors), detections, segments.daily(frame, stamp), segs,
        str(start) if start else None, str(end) if end else None, settings=settings,
    )  # fmt: skip
    ctx.progress(1.0, "Done")
    return save(ws, user, report) if store_result else report


def save(ws: Workspace, user: str, report: ConceptReport) -> ConceptReport:
    created = clock.iso()
    with ws.change(user, "drift.run", "drift:concept") as ch:
        body = ConceptReport(**{**report.__dict__, "created_at": created})
        cur = ch.conn.execute(
            "INSERT INTO drift_runs (kind, created_at, user, n_current, result)"
            " VALUES ('concept',?,?,?,?)",
            (created, user, report.n, json.dumps(body.as_dict())),
        )
        ch.details = {
            "outcomes": report.n,
            "drift_points": [d.as_dict() for d in report.drift_points],
            "flagged_segments": [f"{s.column}={s.value}" for s in report.segments if s.flagged],
        }
    return ConceptReport(**{**body.__dict__, "id": cur.lastrowid})
