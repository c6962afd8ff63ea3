"""Checks on data that is not from today: the newest day *of the data* is what the
performance, quality and drift checks look at, and how old it is is a finding of its own.

A day is complete when the clock has passed it. When the prediction log ends before
yesterday (backfilled history, a stalled pipeline), the checks run as of the end of its
newest day, say how old that day is, and the pipeline's ``data_recency`` check warns
that there is no recent data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import TYPE_CHECKING

from console.core.monitoring.checks import Check

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace
    from console.core.monitoring.settings import MonitoringSettings

#: checks that read the data's newest day and get its age in their explanation
DATA_CHECKS = (
    "f1", "fpr", "precision", "recall", "roc_auc", "f1_drop", "f1_estimated",
    "fpr_estimated", "missing_values", "out_of_range", "unseen_categories", "data_drift",
)  # fmt: skip


def newest_day(ws: Workspace, today: dt.date) -> dt.date | None:
    """The newest UTC day with stored predictions, on or before ``today``."""
    row = ws.conn.execute(
        "SELECT MAX(day) AS day FROM parts WHERE kind = 'predictions' AND day <= ?",
        (today.isoformat(),),
    ).fetchone()
    return dt.date.fromisoformat(row["day"]) if row and row["day"] else None


def stored_predictions(ws: Workspace) -> int:
    row = ws.conn.execute(
        "SELECT COALESCE(SUM(rows), 0) AS n FROM parts WHERE kind = 'predictions'"
    ).fetchone()
    return int(row["n"])


def nothing_before(ws: Workspace, day: dt.date) -> str:
    """Why a check found no rows: an empty store, or none in the days it reads."""
    stored = stored_predictions(ws)
    if not stored:
        return "no predictions are stored yet"
    return f"none of the {stored:,} stored predictions is from the days up to {day}"


def recent_days(cfg: MonitoringSettings) -> int:
    """Data this many days old still counts as recent (yesterday at least)."""
    return max(1, math.ceil(cfg.ingest_cadence_hours / 24))


def as_of(now: dt.datetime, newest: dt.date | None, cfg: MonitoringSettings) -> dt.datetime:
    """The moment the checks look from: ``now``, or the end of the newest day of data
    when that is older than recent."""
    if newest is None or (now.date() - newest).days <= recent_days(cfg):
        return now
    return dt.datetime.combine(newest + dt.timedelta(days=1), dt.time(), dt.UTC)


def recency_check(
    ws: Workspace, newest: dt.date | None, now: dt.datetime, cfg: MonitoringSettings
) -> Check:
    """``data_recency``: how old the newest predictions are (warning: no recent data)."""
    if newest is None:
        stored = stored_predictions(ws)
        why = (
            f"{stored:,} predictions are stored, all dated after today (check the clocks)"
            if stored
            else "no predictions are stored yet"
        )
        return Check("data_recency", None, None, "warning" if stored else "no_data", why, 0, "")
    age = (now.date() - newest).days
    limit = recent_days(cfg)
    if age <= limit:
        text = f"the newest predictions are from {newest} ({_days(age)} old)"
        return Check("data_recency", float(age), float(limit), "ok", text, None, str(newest))
    text = (
        f"no recent data: the newest predictions are from {newest}, {_days(age)} ago; the "
        "performance, quality and drift checks use that day"
    )
    return Check("data_recency", float(age), float(limit), "warning", text, None, str(newest))


def note_age(checks: list[Check], newest: dt.date | None, now: dt.datetime) -> list[Check]:
    """Each data check's explanation says how old its data is, when it is not recent."""
    if newest is None:
        return checks
    age = (now.date() - newest).days
    note = f" [newest data: {newest}, {_days(age)} old]"
    return [replace(c, explanation=c.explanation + note) if c.name in DATA_CHECKS else c
            for c in checks]  # fmt: skip


def _days(n: int) -> str:
    return "today" if n == 0 else "1 day" if n == 1 else f"{n:,} days"
