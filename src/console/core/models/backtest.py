"""Backtest versions on the last days of labelled traffic: would another version do better?

Before a rollback the operator wants to know that the earlier version really helps on
*today's* data, not on its old holdout. :func:`recent` takes the last ``days`` days of
the prediction log that have labels, scores those rows with each version (loaded with
the usual hash and trusted-type checks) and reports F1, precision, recall and false
positive rate at each version's own threshold. It is a job: it reports progress and
honours cancel between versions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.data import store
from console.core.models import registry

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from console.core.base.workspace import Workspace

DEFAULT_DAYS = 4


@dataclass(frozen=True)
class Backtest:
    """One version's metrics on the same labelled rows as the others."""

    version: str
    threshold: float
    first_day: str
    last_day: str
    rows: int
    positives: int
    f1: float | None
    precision: float | None
    recall: float | None
    fpr: float | None
    in_production: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def recent(
    ws: Workspace,
    versions: list[str],
    *,
    days: int = DEFAULT_DAYS,
    ctx: JobContext | None = None,
) -> list[Backtest]:
    """Each of ``versions`` on the labelled rows of the last ``days`` days of traffic.

    BadInput when ``days`` is not positive or a version is not registered; an empty
    list when no labelled rows fall in the window.
    """
    import numpy as np

    from console.core.models import training

    job = ctx or JobContext()
    if days < 1:
        raise BadInput(f"backtest days must be at least 1, not {days}")
    models = [registry.require(ws, v) for v in versions]
    schema = ws.config.data_schema
    summary = store.summary(ws.conn)
    if not summary.last_ts:
        return []
    last = dt.date.fromisoformat(summary.last_ts[:10])
    first = last - dt.timedelta(days=days - 1)
    job.progress(0.05, f"Reading {first} .. {last}")
    columns = [schema.id, *schema.features]
    predictions = store.read(ws, "predictions", columns, start=first, end=last).to_pandas()
    labels = store.read(ws, "labels", [schema.id, schema.label]).to_pandas()
    labels = labels.drop_duplicates(schema.id, keep="last")
    rows = predictions.merge(labels, on=schema.id, how="inner")
    if rows.empty:
        return []
    truth = rows[schema.label].to_numpy(dtype=np.int8)
    production = registry.production(ws)
    results = []
    for n, model in enumerate(models):
        job.progress(0.1 + 0.85 * n / len(models), f"Scoring with {model.version}")
        pipeline = registry.load(ws, model.version)
        scores = training.score(pipeline, rows, model.features)
        results.append(
            _metrics(
                model.version,
                model.threshold,
                truth,
                scores >= model.threshold,
                first=first,
                last=last,
                in_production=production is not None and production.version == model.version,
            )
        )
    job.progress(1.0, "Backtest done")
    return results


def _metrics(
    version: str,
    threshold: float,
    truth: npt.NDArray[np.int8],
    flagged: npt.NDArray[np.bool_],
    *,
    first: dt.date,
    last: dt.date,
    in_production: bool,
) -> Backtest:
    positive = truth == 1
    tp = int((flagged & positive).sum())
    fp = int((flagged & ~positive).sum())
    fn = int((~flagged & positive).sum())
    tn = int((~flagged & ~positive).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    fpr = fp / (fp + tn) if fp + tn else None
    return Backtest(
        version,
        threshold,
        first.isoformat(),
        last.isoformat(),
        len(truth),
        int(positive.sum()),
        f1,
        precision,
        recall,
        fpr,
        in_production,
    )
