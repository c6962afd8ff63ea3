"""From a request's JSON to scores: check the records, use the cache, score the rest.

A request body is one record (an object of feature values), ``{"records": [...]}`` or a
JSON array of records. Each record carries every feature of the model (``null`` for a
missing value) and may carry the schema's id and timestamp; anything else is refused
with the record's index and the field, as an HTTP 422.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from console.core.base import clock
from console.core.base.errors import BadInput
from console.core.serving.cache import PredictionCache
from console.core.serving.model_holder import LoadedModel

if TYPE_CHECKING:
    from console.core.base.config import Schema

MAX_PROBLEMS = 10


class TooLarge(BadInput):
    """The request is over a configured limit (HTTP 413)."""


@dataclass
class ScoredBatch:
    version: str
    ids: list[str]
    ts: list[datetime]
    columns: dict[str, list[Any]]  # feature name -> values as received
    scores: np.ndarray
    decisions: np.ndarray
    cache_hits: int

    def response(self, latency_ms: float, unlogged: dict[int, str]) -> dict[str, Any]:
        """The answer: each prediction says whether it is logged (``"logged": false``
        with a ``"reason"`` when not, e.g. ``"duplicate id"``)."""
        predictions = []
        for n, (i, s, d) in enumerate(zip(self.ids, self.scores, self.decisions, strict=True)):
            item: dict[str, Any] = {"id": i, "score": float(s), "decision": int(d)}
            reason = unlogged.get(n)
            item["logged"] = reason is None
            if reason is not None:
                item["reason"] = reason
            predictions.append(item)
        return {
            "model_version": self.version,
            "latency_ms": round(latency_ms, 3),
            "predictions": predictions,
            "not_logged": len(unlogged),
        }


def records_of(body: Any, max_batch: int) -> list[Any]:
    """The records of a parsed JSON body (BadInput if it is neither form)."""
    if isinstance(body, list):
        records = body
    elif isinstance(body, dict) and "records" in body and len(body) == 1:
        records = body["records"]
        if not isinstance(records, list):
            raise BadInput("'records' must be a JSON array of records")
    elif isinstance(body, dict):
        records = [body]
    else:
        raise BadInput('the body must be a record (JSON object) or {"records": [...]}')
    if not records:
        raise BadInput("the request has no records")
    if len(records) > max_batch:
        raise TooLarge(f"{len(records)} records is over the limit of {max_batch} per request")
    return records


def check_records(
    records: list[Any], features: dict[str, str], schema: Schema
) -> tuple[list[str], list[datetime], dict[str, list[Any]]]:
    """Validate every record; return ids, timestamps and feature columns."""
    problems: list[str] = []
    ids: list[str] = []
    stamps: list[datetime] = []
    # the model's features are required; the schema's other features may come along
    # (they are logged with the prediction)
    kinds = {**schema.features, **features}
    columns: dict[str, list[Any]] = {name: [] for name in kinds}
    allowed = {*kinds, schema.id, schema.timestamp}
    received = clock.now()
    for n, record in enumerate(records):
        where = f"record {n}" if len(records) > 1 else "record"
        if not isinstance(record, dict):
            problems.append(f"{where}: must be a JSON object, got {type(record).__name__}")
            continue
        extra = sorted(set(record) - allowed)
        if extra:
            problems.append(f"{where}: unknown field {extra[0]!r}")
        for name, kind in kinds.items():
            if name not in record and name in features:
                problems.append(f"{where}: feature {name!r} is missing (send null if unknown)")
            value, problem = _check_value(record.get(name), kind)
            if problem:
                problems.append(f"{where}: feature {name!r}: {problem}")
            columns[name].append(value)
        ids.append(_record_id(record.get(schema.id), where, problems))
        stamps.append(_record_ts(record.get(schema.timestamp), received, where, problems))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BadInput(problems[0] + more, problems=problems[:MAX_PROBLEMS])
    return ids, stamps, columns


def _check_value(value: Any, kind: str) -> tuple[Any, str]:
    if value is None:
        return None, ""
    if kind == "category":
        return (value, "") if isinstance(value, str) else (None, f"{value!r} is not text")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, f"{value!r} is not a number"
    if not math.isfinite(value):
        return None, f"{value!r} is not finite"
    if kind == "integer" and not float(value).is_integer():
        return None, f"{value!r} is not a whole number"
    return float(value), ""


def _record_id(value: Any, where: str, problems: list[str]) -> str:
    if value is None:
        return f"svc-{uuid.uuid4().hex}"
    if not isinstance(value, str) or not value:
        problems.append(f"{where}: id must be non-empty text")
        return ""
    return value


def _record_ts(value: Any, received: datetime, where: str, problems: list[str]) -> datetime:
    if value is None:
        return received
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: timestamp {value!r} is not ISO-8601")
        return received
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class Pending:
    """A checked request whose cache misses still need scoring."""

    model: LoadedModel
    ids: list[str]
    stamps: list[datetime]
    columns: dict[str, list[Any]]
    keys: list[tuple[Any, ...]]
    scores: np.ndarray
    missing: list[int]

    def frame_columns(self) -> dict[str, np.ndarray]:
        """The cache misses' model features, in the dtypes training used."""
        return {
            name: _column([self.columns[name][i] for i in self.missing], kind)
            for name, kind in self.model.features.items()
        }


def prepare(
    model: LoadedModel, records: list[Any], schema: Schema, cache: PredictionCache
) -> Pending:
    """Check ``records`` and fill in what the cache knows (one version for the batch)."""
    ids, stamps, columns = check_records(records, model.features, schema)
    names = list(model.features)
    keys = [(model.version, *(columns[f][i] for f in names)) for i in range(len(ids))]
    scores = np.empty(len(ids))
    missing: list[int] = []
    for i, key in enumerate(keys):
        hit = cache.get(key)
        if hit is None:
            missing.append(i)
        else:
            scores[i] = hit
    return Pending(model, ids, stamps, columns, keys, scores, missing)


#: up to this many rows the compiled path scores (above, scikit-learn's own loop is
#: faster than the numpy walk, and its per-call overhead no longer matters)
FAST_PATH_ROWS = 256


def predict(model: LoadedModel, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Probabilities of class 1 for feature ``columns`` (as :meth:`Pending.frame_columns`)."""
    rows = len(next(iter(columns.values()))) if columns else 0
    if model.compiled is not None and 0 < rows <= FAST_PATH_ROWS:
        return model.compiled.predict_proba1(columns)
    import pandas as pd

    proba = model.pipeline.predict_proba(pd.DataFrame(columns))
    return np.asarray(proba[:, 1], dtype=np.float64)


def complete(pending: Pending, fresh: np.ndarray, cache: PredictionCache) -> ScoredBatch:
    """Put the fresh scores of the misses in place (and in the cache)."""
    scores = pending.scores
    for i, value in zip(pending.missing, fresh, strict=True):
        scores[i] = value
        cache.put(pending.keys[i], float(value))
    decisions = (scores >= pending.model.threshold).astype(np.int8)
    hits = len(pending.ids) - len(pending.missing)
    return ScoredBatch(
        pending.model.version, pending.ids, pending.stamps, pending.columns, scores, decisions, hits
    )


def score_records(
    model: LoadedModel, records: list[Any], schema: Schema, cache: PredictionCache
) -> ScoredBatch:
    """Check and score ``records`` in the calling thread."""
    pending = prepare(model, records, schema, cache)
    fresh = predict(model, pending.frame_columns()) if pending.missing else np.empty(0)
    return complete(pending, fresh, cache)


def golden_columns(frame: Any, features: dict[str, str]) -> dict[str, np.ndarray]:
    """A golden set's feature columns as a request's are (:meth:`Pending.frame_columns`)."""
    columns = {}
    for name, kind in features.items():
        values = [None if _missing(v) else v for v in frame[name].tolist()]
        columns[name] = _column(values, kind)
    return columns


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _column(values: list[Any], kind: str) -> np.ndarray:
    """Values in the dtype training used: float64 with NaN, or object text with NaN."""
    if kind == "category":
        return np.array([np.nan if v is None else v for v in values], dtype=object)
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
