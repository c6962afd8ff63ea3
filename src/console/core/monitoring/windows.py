"""Logged predictions joined with their labels, as numpy arrays ready for windowing.

Reads only the needed Parquet columns for a day range, joins labels by id with a hash
join in Arrow (``pyarrow.compute.index_in``), and returns plain arrays. Time is in
microseconds since the epoch (UTC) throughout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from console.core.base.errors import BadInput
from console.core.data import store
from console.core.monitoring.settings import WINDOW_SECONDS

if TYPE_CHECKING:
    import pyarrow as pa

    from console.core.base.workspace import Workspace

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]
US = 1_000_000
NO_TIME: int = np.iinfo(np.int64).min


@dataclass
class LoggedRows:
    """One row per logged prediction; ``label`` is -1 where no label has arrived."""

    ts: I64
    score: F64
    decision: I8
    label: I8
    labelled_at: I64  # NO_TIME where unlabelled
    segments: dict[str, tuple[npt.NDArray[np.int32], list[str]]] = field(default_factory=dict)
    model_version: npt.NDArray[np.int32] | None = None
    versions: list[str] = field(default_factory=list)
    latency_ms: F64 | None = None
    #: False where the labels file gave no confirmation time (ingest time stands in):
    #: such rows count for every metric but the label delay; None: all known
    delay_known: npt.NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return len(self.ts)

    @property
    def labelled(self) -> npt.NDArray[np.bool_]:
        return self.label >= 0

    @property
    def skewed(self) -> npt.NDArray[np.bool_]:
        """Labels confirmed before the prediction was made (clock skew)."""
        return self.labelled & (self.labelled_at < self.ts)

    @classmethod
    def empty(cls) -> LoggedRows:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.float64),
            np.zeros(0, np.int8),
            np.zeros(0, np.int8),
            np.zeros(0, np.int64),
        )


CHUNK = 1 << 20  # rows per bincount call: keeps each GIL-holding call to a few ms


def bincount(
    ids: npt.NDArray[Any], weights: npt.NDArray[Any] | None = None, minlength: int = 0
) -> F64:
    """``np.bincount`` in chunks (it holds the GIL; a GUI thread must not wait long)."""
    out = np.zeros(minlength, np.float64)
    for lo in range(0, len(ids), CHUNK):
        part = np.bincount(
            ids[lo : lo + CHUNK],
            None if weights is None else weights[lo : lo + CHUNK],
            minlength=minlength,
        )
        if len(part) > len(out):
            out = np.concatenate([out, np.zeros(len(part) - len(out))])
        out[: len(part)] += part
    return out


def window_width(window: str) -> int:
    """Width of a named window in microseconds."""
    if window not in WINDOW_SECONDS:
        raise BadInput(f"window {window!r} is not one of {', '.join(WINDOW_SECONDS)}")
    return WINDOW_SECONDS[window] * US


def window_ids(ts: I64, window: str) -> tuple[I64, int, int]:
    """(window index of every row, first window's start in us, number of windows).

    Windows are aligned to the epoch (UTC midnight for days, Monday for weeks).
    """
    width = window_width(window)
    offset = 4 * 86_400 * US if window == "week" else 0  # 1970-01-05 was a Monday
    if len(ts) == 0:
        return np.zeros(0, np.int64), 0, 0
    absolute = (ts - offset) // width
    first = int(absolute.min())
    ids = absolute - first
    return ids, first * width + offset, int(ids.max()) + 1


def load_rows(
    ws: Workspace,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segments: bool = True,
    service: bool = False,
) -> LoggedRows:
    """Predictions scored on days [start, end] (all when None) with their labels."""
    import pyarrow.compute as pc

    schema = ws.config.data_schema
    columns = [schema.id, schema.timestamp, schema.score, schema.decision]
    seg_names = list(schema.segments) if segments else []
    extra = [store.MODEL_VERSION, store.LATENCY_MS] if service else []
    pred = store.read(ws, "predictions", [*columns, *seg_names, *extra], start=start, end=end)
    if pred.num_rows == 0:
        return LoggedRows.empty()
    label_start = start - dt.timedelta(days=1) if start else None
    labels = store.read(
        ws, "labels", [schema.id, schema.label, store.LABELLED_AT], start=label_start
    )
    ids = pred.column(schema.id).combine_chunks()  # one hash table, not one per chunk
    if labels.num_rows:
        where = pc.index_in(ids, value_set=labels.column(schema.id).combine_chunks())
        found = where.is_valid()
        idx = pc.fill_null(where, 0).to_numpy()
        has = np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
        raw_label = labels.column(schema.label).to_numpy().astype(np.int8)[idx]
        label = np.where(has, raw_label, -1).astype(np.int8)
        at = _micros(labels.column(store.LABELLED_AT))[idx]
        labelled_at = np.where(has, at, NO_TIME)
        known = store.label_time_known(ws, start=label_start)
        delay_known = has & known[idx] if len(known) == labels.num_rows else None
    else:
        label = np.full(pred.num_rows, -1, np.int8)
        labelled_at = np.full(pred.num_rows, NO_TIME, np.int64)
        delay_known = None
    rows = LoggedRows(
        ts=_micros(pred.column(schema.timestamp)),
        score=_floats(pred.column(schema.score)),
        decision=pred.column(schema.decision).to_numpy().astype(np.int8),
        label=label,
        labelled_at=labelled_at,
        delay_known=delay_known,
    )
    for name in seg_names:
        rows.segments[name] = _codes(pred.column(name))
    if service:
        codes, names = _codes(pred.column(store.MODEL_VERSION))
        rows.model_version, rows.versions = codes, names
        rows.latency_ms = _floats(pred.column(store.LATENCY_MS))
    return rows


def _micros(column: pa.ChunkedArray) -> I64:
    import pyarrow as pa

    ints = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    return np.asarray(ints.to_numpy(), dtype=np.int64)


def _floats(column: pa.ChunkedArray) -> F64:
    import pyarrow as pa

    return np.asarray(column.cast(pa.float64()).to_numpy(), dtype=np.float64)


def _codes(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.int32], list[str]]:
    """Dictionary codes of a column (-1 for missing) and the values they stand for."""
    import pyarrow as pa

    encoded = column.cast(pa.string()).combine_chunks().dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy().astype(np.int32)
    return codes, [str(v) for v in encoded.dictionary.to_pylist()]
