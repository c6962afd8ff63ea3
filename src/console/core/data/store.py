"""The prediction log and its labels: Parquet parts, visible once recorded in SQLite.

Predictions are partitioned by the UTC day of their timestamp, labels by the day they
arrived; each ingest batch writes one part per day. A part file that exists but has no
row in ``parts`` (a crash between write and commit) is invisible and is removed by
:func:`sweep_orphans` when the workspace next opens.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base import orphans

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from console.core.base.config import Schema
    from console.core.base.workspace import Workspace

KINDS = ("predictions", "labels")
LABELLED_AT = "labelled_at"
#: Prediction columns a file may carry and the scoring service always writes: which
#: model version scored the row, and how long scoring took.
MODEL_VERSION = "model_version"
LATENCY_MS = "latency_ms"


def part_paths(
    ws: Workspace, kind: str, *, start: date | None = None, end: date | None = None
) -> list[Path]:
    """Recorded part files of ``kind``, optionally only days in [start, end]."""
    sql = "SELECT path FROM parts WHERE kind = ?"
    args: list[Any] = [kind]
    if start is not None:
        sql += " AND day >= ?"
        args.append(start.isoformat())
    if end is not None:
        sql += " AND day <= ?"
        args.append(end.isoformat())
    rows = ws.conn.execute(sql + " ORDER BY day, id", args).fetchall()
    return [ws.root / r["path"] for r in rows]


def versions_of_day(ws: Workspace, day: date) -> dict[str, int]:
    """Predictions of ``day`` per model version that scored them, from the counts each
    part recorded at ingest; a part ingested before they were recorded is read once (per
    process) from its file. Empty when no row of the day says."""
    rows = ws.conn.execute(
        "SELECT path, versions FROM parts WHERE kind = 'predictions' AND day = ?",
        (day.isoformat(),),
    ).fetchall()
    counts: dict[str, int] = {}
    for row in rows:
        if row["versions"] is not None:
            found: dict[str, int] = json.loads(row["versions"])
        else:
            path = ws.root / row["path"]
            try:
                stat = path.stat()
            except OSError:
                continue  # a part being restored: the next reader sees it
            found = _file_versions(path, stat.st_mtime_ns, stat.st_size)
        for version, n in found.items():
            counts[version] = counts.get(version, 0) + n
    return counts


@functools.lru_cache(maxsize=256)
def _file_versions(path: Path, _mtime_ns: int, _size: int) -> dict[str, int]:
    """Rows per model version in one part file (the file's time and size in the key keep
    a restored part from being answered from the cache)."""
    import pyarrow.parquet as pq

    if MODEL_VERSION not in pq.read_schema(path).names:
        return {}
    return version_counts(pq.read_table(path, columns=[MODEL_VERSION]))


def version_counts(table: pa.Table) -> dict[str, int]:
    """Rows per model version in ``table`` (its ``model_version`` column)."""
    import pyarrow.compute as pc

    counts = pc.value_counts(table.column(MODEL_VERSION).drop_null()).to_pylist()
    return {str(entry["values"]): int(entry["counts"]) for entry in counts}


def read(
    ws: Workspace,
    kind: str,
    columns: list[str] | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
) -> pa.Table:
    """All recorded rows of ``kind`` (or those days) as one Arrow table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = part_paths(ws, kind, start=start, end=end)
    if not paths:
        return empty_table(ws, kind, columns)
    tables = [pq.read_table(p, columns=columns) for p in paths]
    return pa.concat_tables(tables, promote_options="default")


def label_time_known(ws: Workspace, *, start: date | None = None) -> np.ndarray[Any, Any]:
    """One bool per row of ``read(ws, "labels", start=start)``, in the same order: False
    where the labels file gave no ``labelled_at`` (the time of ingest stands in for it)."""
    import numpy as np

    sql = (
        "SELECT p.rows, b.labelled_at_given FROM parts p JOIN batches b ON b.id = p.batch_id"
        " WHERE p.kind = 'labels'"
    )
    args: list[Any] = []
    if start is not None:
        sql += " AND p.day >= ?"
        args.append(start.isoformat())
    rows = ws.conn.execute(sql + " ORDER BY p.day, p.id", args).fetchall()
    counts = np.array([r["rows"] for r in rows], dtype=np.int64)
    known = np.array([r["labelled_at_given"] != 0 for r in rows], dtype=bool)  # NULL: as given
    return np.repeat(known, counts)


def stored_schema(schema: Schema, kind: str) -> pa.Schema:
    """The Arrow schema of stored parts of ``kind``."""
    import pyarrow as pa

    if kind == "labels":
        return pa.schema(
            [
                (schema.id, pa.string()),
                (schema.label, pa.int8()),
                (LABELLED_AT, pa.timestamp("us", tz="UTC")),
            ]
        )
    types = {"number": pa.float64(), "integer": pa.int64(), "category": pa.string()}
    return pa.schema(
        [
            (schema.id, pa.string()),
            (schema.timestamp, pa.timestamp("us", tz="UTC")),
            *[(name, types[kind_]) for name, kind_ in schema.features.items()],
            (schema.score, pa.float64()),
            (schema.decision, pa.int8()),
            (MODEL_VERSION, pa.string()),
            (LATENCY_MS, pa.float64()),
        ]
    )


def empty_table(ws: Workspace, kind: str, columns: list[str] | None = None) -> pa.Table:
    import pyarrow as pa

    schema = stored_schema(ws.config.data_schema, kind)
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns])
    return schema.empty_table()


def stored_ids(ws: Workspace, kind: str) -> pa.Array:
    """Every id already stored for ``kind`` (one Arrow array)."""
    import pyarrow as pa

    column = ws.config.data_schema.id
    table = read(ws, kind, [column])
    return table.column(column).combine_chunks() if table.num_rows else pa.array([], pa.string())


@dataclass(frozen=True)
class Summary:
    """What the Overview shows, from metadata only (no Parquet read)."""

    predictions: int
    labels: int
    label_coverage: float | None
    first_ts: str | None
    last_ts: str | None
    last_ingest: dict[str, Any] | None
    batches_ok: int
    batches_refused: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def summary(conn: sqlite3.Connection) -> Summary:
    counts = {
        r["kind"]: r["n"]
        for r in conn.execute("SELECT kind, COALESCE(SUM(rows), 0) AS n FROM parts GROUP BY kind")
    }
    n_pred = int(counts.get("predictions", 0))
    n_lab = int(counts.get("labels", 0))
    span = conn.execute(
        "SELECT MIN(ts_min) AS a, MAX(ts_max) AS b FROM batches "
        "WHERE kind = 'predictions' AND outcome = 'ok'"
    ).fetchone()
    last = conn.execute(
        "SELECT id, kind, source, rows, finished_at, outcome, message FROM batches "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    outcomes = {
        r["outcome"]: r["n"]
        for r in conn.execute("SELECT outcome, COUNT(*) AS n FROM batches GROUP BY outcome")
    }
    return Summary(
        predictions=n_pred,
        labels=n_lab,
        label_coverage=(n_lab / n_pred) if n_pred else None,
        first_ts=span["a"],
        last_ts=span["b"],
        last_ingest=dict(last) if last else None,
        batches_ok=int(outcomes.get("ok", 0)),
        batches_refused=int(outcomes.get("refused", 0)),
    )


def daily_counts(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """Rows per day per kind, from metadata: ``{"predictions": {"2026-11-01": n}, ...}``."""
    out: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    rows = conn.execute(
        "SELECT kind, day, SUM(rows) AS n FROM parts GROUP BY kind, day ORDER BY day"
    )
    for r in rows:
        out[r["kind"]][r["day"]] = int(r["n"])
    return out


def sweep_orphans(ws: Workspace, *, older_than: float | None = None) -> list[Path]:
    """Delete part files that no committed batch recorded (left by a crash).

    Only files older than ``older_than`` seconds (default: the longest possible ingest,
    ``[limits] max_ingest_minutes``): a younger one may belong to an ingest that another
    process is about to commit. The workspace runs this when it opens.
    """
    return orphans.sweep(ws, older_than=older_than).removed
