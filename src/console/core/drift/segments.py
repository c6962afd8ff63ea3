"""Performance over time, overall and by segment, from labelled outcomes.

Each segment (a value of a column in ``[schema] segments``) is compared between a
baseline (the ``baseline_days`` before the last ``recent_days``, or every earlier day)
and the recent days; a segment is flagged when its F1 fell or its false positive rate
rose by more than the thresholds, given enough positives and negatives to say so. The
rules are ``[drift.concept.segments]`` of console.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

F1_CHANGE = 0.10
FPR_CHANGE = 0.005
RECENT_DAYS = 3
MIN_POSITIVES = 10
MIN_NEGATIVES = 200


@dataclass(frozen=True)
class Rates:
    n: int
    positives: int
    f1: float | None
    fpr: float | None
    precision: float | None
    recall: float | None
    error_rate: float | None


def rates(decision: Any, label: Any) -> Rates:
    d = np.asarray(decision, dtype=np.int64)
    y = np.asarray(label, dtype=np.int64)
    tp = int(np.sum((d == 1) & (y == 1)))
    fp = int(np.sum((d == 1) & (y == 0)))
    fn = int(np.sum((d == 0) & (y == 1)))
    tn = int(np.sum((d == 0) & (y == 0)))
    n = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    fpr = fp / (fp + tn) if fp + tn else None
    return Rates(n, tp + fn, f1, fpr, precision, recall, (fp + fn) / n if n else None)


def daily(frame: pd.DataFrame, stamp: str) -> list[dict[str, Any]]:
    """One row per UTC day: n, positives, f1, fpr, precision, recall, error_rate."""
    if frame.empty:
        return []
    days = frame[stamp].dt.strftime("%Y-%m-%d")
    out = []
    for day, part in frame.groupby(days, sort=True):
        out.append({"day": str(day), **rates(part["decision"], part["label"]).__dict__})
    return out


@dataclass(frozen=True)
class SegmentPerformance:
    column: str
    value: str
    baseline: Rates
    recent: Rates
    flagged: bool
    reason: str
    series: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["baseline"] = dict(self.baseline.__dict__)
        data["recent"] = dict(self.recent.__dict__)
        return data


@dataclass(frozen=True)
class SegmentRules:
    """Which days are compared and what counts as a change (``[drift.concept.segments]``)."""

    recent_days: int = RECENT_DAYS
    baseline_days: int = 0  # 0: every day before the recent ones
    f1_change: float = F1_CHANGE
    fpr_change: float = FPR_CHANGE
    min_positives: int = MIN_POSITIVES
    min_negatives: int = MIN_NEGATIVES


def windows(days: list[str], rules: SegmentRules) -> dict[str, list[str] | None]:
    """The first and last day of the baseline and of the recent window (None: empty)."""
    if not days:
        return {"baseline": None, "recent": None}
    recent = days[-rules.recent_days :]
    earlier = days[: max(len(days) - rules.recent_days, 0)]
    if rules.baseline_days:
        earlier = earlier[-rules.baseline_days :]
    return {
        "baseline": [earlier[0], earlier[-1]] if earlier else None,
        "recent": [recent[0], recent[-1]],
    }


def by_segment(
    frame: pd.DataFrame,
    stamp: str,
    segments: list[str],
    *,
    rules: SegmentRules | None = None,
    recent_days: int | None = None,
) -> list[SegmentPerformance]:
    """Baseline vs recent performance of every segment value; flagged ones first.
    ``recent_days`` overrides that of ``rules``."""
    rules = rules or SegmentRules()
    if recent_days is not None:
        rules = replace(rules, recent_days=recent_days)
    if frame.empty:
        return []
    days = frame[stamp].dt.strftime("%Y-%m-%d")
    span = windows(sorted(days.unique()), rules)
    recent, baseline = span["recent"], span["baseline"]
    assert recent is not None
    out: list[SegmentPerformance] = []
    for column in segments:
        if column not in frame.columns:
            continue
        for value, part in frame.groupby(frame[column].astype(str), sort=True):
            part_days = days[part.index]
            recent_mask = part_days >= recent[0]
            base_mask = (
                (part_days >= baseline[0]) & (part_days <= baseline[1])
                if baseline is not None
                else part_days.isna()
            )
            base = rates(part["decision"][base_mask], part["label"][base_mask])
            now = rates(part["decision"][recent_mask], part["label"][recent_mask])
            flagged, reason = _judge(base, now, rules)
            out.append(
                SegmentPerformance(
                    column, str(value), base, now, flagged, reason, daily(part, stamp),
                )
            )  # fmt: skip
    return sorted(out, key=lambda s: (not s.flagged, s.column, s.value))


def _judge(base: Rates, recent: Rates, rules: SegmentRules) -> tuple[bool, str]:
    reasons = []
    if (
        base.f1 is not None
        and recent.f1 is not None
        and min(base.positives, recent.positives) >= rules.min_positives
        and base.f1 - recent.f1 >= rules.f1_change
    ):
        reasons.append(f"F1 {base.f1:.2f} -> {recent.f1:.2f}")
    negatives = min(base.n - base.positives, recent.n - recent.positives)
    if (
        base.fpr is not None
        and recent.fpr is not None
        and negatives >= rules.min_negatives
        and recent.fpr - base.fpr >= rules.fpr_change
    ):
        reasons.append(f"FPR {base.fpr:.2%} -> {recent.fpr:.2%}")
    if not reasons and min(base.positives, recent.positives) < rules.min_positives:
        return False, f"fewer than {rules.min_positives} positives on one side: F1 not judged"
    return bool(reasons), "; ".join(reasons)
