"""The labelled prediction log with its features: what validation and retraining learn from.

Predictions of days [start, end] joined by id with their latest label (only rows with
a 0/1 label), in time order, with the feature columns as stored, the timestamp, the
segments and the label under the workspace schema's names.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from console.core.data import store

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace


def log_days(ws: Workspace) -> list[dt.date]:
    rows = ws.conn.execute(
        "SELECT DISTINCT day FROM parts WHERE kind = 'predictions' ORDER BY day"
    ).fetchall()
    return [dt.date.fromisoformat(r["day"]) for r in rows]


def labelled_days(ws: Workspace, days: int) -> tuple[dt.date, dt.date] | None:
    """The last ``days`` days of the log (by prediction day), or None for an empty log."""
    found = log_days(ws)
    if not found:
        return None
    end = found[-1]
    return end - dt.timedelta(days=days - 1), end


def labelled_rows(ws: Workspace, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Labelled predictions of [start, end] in time order (see the module docstring)."""
    schema = ws.config.data_schema
    columns = [schema.id, schema.timestamp, *schema.features]
    pred = store.read(ws, "predictions", columns, start=start, end=end).to_pandas()
    labels = store.read(ws, "labels", [schema.id, schema.label, store.LABELLED_AT]).to_pandas()
    labels = labels.sort_values(store.LABELLED_AT, kind="stable")
    labels = labels.drop_duplicates(schema.id, keep="last")[[schema.id, schema.label]]
    joined = pred.merge(labels, on=schema.id, how="inner")
    joined = joined[joined[schema.label].isin([0, 1])]
    joined[schema.label] = joined[schema.label].astype("int8")
    ordered: pd.DataFrame = joined.sort_values([schema.timestamp, schema.id], kind="stable")
    return ordered.reset_index(drop=True)
