"""Every prediction the service made, written to the workspace store in batches.

Rows wait in memory and go to the store through :func:`ingest.ingest_table` (the same
checks and records as a file) every ``flush_seconds`` or ``flush_rows`` rows, and on
shutdown. An id is logged once: a record whose id is already stored, or already
waiting (a client retry), is answered but not logged, and :meth:`PredictionLog.append`
says so per record, so the response can tell the client. Such records are counted
(``log_duplicates`` in /health) and recorded per flush in ``service_unlogged`` (how
many, the first ids), where the ``unlogged_records`` daily check finds them. Ids already
stored are dropped again right before the batch is ingested (another ingest may have
stored them meanwhile), so one repeated id never costs a whole batch.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from console.core.base import clock, db
from console.core.data import ingest, store
from console.core.serving.known_ids import KnownIds
from console.core.serving.metrics import ServiceMetrics

if TYPE_CHECKING:
    import pyarrow as pa

    from console.core.base.workspace import Workspace
    from console.core.serving.scoring import ScoredBatch

log = logging.getLogger(__name__)
DUPLICATE: Final = "duplicate id"
FIRST_IDS: Final = 10  # ids recorded per flush with the count
#: rows waiting are made Arrow columns this often, a few hundred at a time, by the
#: flusher thread: making 7,500 at the flush held the interpreter lock in 10-22 ms runs
#: that requests waited behind (on a busy machine the thread holding it is preempted)
CONVERT_SECONDS: Final = 1.0


class PredictionLog:
    """Buffer scored rows; a flusher thread ingests them."""

    def __init__(
        self,
        ws: Workspace,
        user: str,
        source: str,
        metrics: ServiceMetrics,
        *,
        flush_seconds: float = 30.0,
        flush_rows: int = 20_000,
    ) -> None:
        self.ws = ws
        self.user = user
        self.source = source
        self.metrics = metrics
        self.flush_seconds = flush_seconds
        self.flush_rows = flush_rows
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        #: rows waiting, kept as columns (id, timestamp, features…, score, decision,
        #: model version, latency): the flush then makes each Arrow column in one call,
        #: where building them row by row held the interpreter lock requests wait for
        self._features = tuple(ws.config.data_schema.features)
        self._rows = _Columns(self._features)  # not made Arrow columns yet
        self._converted: list[pa.RecordBatch] = []  # waiting, already Arrow columns
        self._pending = 0  # rows waiting in all
        self._ids: set[str] = set()
        self._flushing: set[str] = set()  # ids being stored by the flush under way
        self._known = KnownIds()  # ids stored (at start, and by each flush)
        self._duplicates: list[str] = []  # not logged since the last flush
        self._duplicate_count = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def append(self, batch: ScoredBatch, latency_ms: float) -> dict[int, str]:
        """Queue the batch's records; returns {index: reason} of those not logged."""
        stored = self._known.contains(batch.ids)
        unlogged: dict[int, str] = {}
        with self._lock:
            for i, row_id in enumerate(batch.ids):
                if stored[i] or row_id in self._ids or row_id in self._flushing:
                    unlogged[i] = DUPLICATE
                    self._note_duplicates([row_id])
                    continue
                self._ids.add(row_id)
                self._rows.add(batch, i, latency_ms)
                self._pending += 1
            pending = self._pending
        self.metrics.log_pending = pending
        if pending >= self.flush_rows:
            self._wake.set()
        return unlogged

    def _note_duplicates(self, ids: list[str]) -> None:
        """Count records not logged for their id (under ``_lock``)."""
        self._duplicate_count += len(ids)
        room = FIRST_IDS - len(self._duplicates)
        self._duplicates += ids[: max(room, 0)]
        self.metrics.log_duplicates += len(ids)
        self.metrics.log_dropped += len(ids)

    def flush(self) -> int:
        """Ingest what is waiting; returns the rows stored (errors are counted, not raised)."""
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, _Columns(self._features)
                converted, self._converted = self._converted, []
                count, self._pending = self._pending, 0
                self._flushing, self._ids = self._ids, set()
            self.metrics.log_pending = 0
            stored = 0
            if not count:  # duplicates alone are recorded all the same
                self._record_duplicates()
                return 0
            try:
                table = self._table(converted, rows)
                table, late = self._without_stored_ids(table)
                if late:  # stored by another ingest since they were answered
                    with self._lock:
                        self._note_duplicates(late)
                if table.num_rows:
                    ingest.ingest_table(
                        self.ws, self.user, "predictions", table, source=self.source
                    )
                    self._known.add(table.column(self.ws.config.data_schema.id).to_pylist())
                self.metrics.logged_rows += table.num_rows
                stored = int(table.num_rows)
            except Exception as exc:  # the service keeps answering; the loss is reported
                log.exception("could not store %d predictions", count)
                self.metrics.log_dropped += count
                self.metrics.last_log_error = str(exc)
            with self._lock:
                self._flushing = set()
            self._record_duplicates()
            return stored

    def _record_duplicates(self) -> None:
        """Store how many records went unlogged since the last flush, and the first ids."""
        with self._lock:
            count, first = self._duplicate_count, self._duplicates
            self._duplicate_count, self._duplicates = 0, []
        if not count:
            return
        log.warning(
            "%d scored record(s) not logged: their id was already stored or waiting "
            "(first: %s)", count, ", ".join(first),
        )  # fmt: skip
        try:
            with db.write_transaction(self.ws.conn) as conn:
                conn.execute(
                    "INSERT INTO service_unlogged (at, source, reason, records, first_ids)"
                    " VALUES (?,?,?,?,?)",
                    (clock.iso(), self.source, DUPLICATE, count, json.dumps(first)),
                )
        except Exception as exc:  # counted in /health either way
            log.warning("could not record %d unlogged records: %s", count, exc)

    def convert(self) -> int:
        """Make the rows waiting Arrow columns now (the flusher thread does this every
        ``CONVERT_SECONDS``); returns how many it made."""
        with self._flush_lock:  # a flush under way takes the rows itself
            with self._lock:
                rows, self._rows = self._rows, _Columns(self._features)
            if not rows:
                return 0
            try:
                made = self._batch(rows)
            except Exception:  # the flush converts again, and records why it failed
                with self._lock:
                    rows.extend(self._rows)
                    self._rows = rows
                return 0
            with self._lock:
                self._converted.append(made)
            return int(made.num_rows)

    def _table(self, converted: list[pa.RecordBatch], rows: _Columns) -> pa.Table:
        import pyarrow as pa

        batches = [*converted, self._batch(rows)] if rows else converted
        return pa.Table.from_batches(batches)

    def _batch(self, rows: _Columns) -> pa.RecordBatch:
        import pyarrow as pa

        schema = self.ws.config.data_schema
        target = store.stored_schema(schema, "predictions")
        columns: dict[str, list[Any]] = {
            schema.id: rows.ids,
            schema.timestamp: rows.ts,
            schema.score: rows.scores,
            schema.decision: rows.decisions,
            store.MODEL_VERSION: rows.versions,
            store.LATENCY_MS: rows.latencies,
        }
        arrays = {}
        for name in target.names:
            kind = schema.features.get(name)
            if kind is None:
                arrays[name] = pa.array(columns[name], target.field(name).type)
            elif kind == "integer":  # JSON may send 13.0: a safe cast refuses 13.5
                arrays[name] = pa.array(rows.features[name], pa.float64()).cast(pa.int64())
            else:
                arrays[name] = pa.array(rows.features[name], target.field(name).type)
        return pa.RecordBatch.from_arrays(list(arrays.values()), names=list(arrays))

    def _without_stored_ids(self, table: pa.Table) -> tuple[pa.Table, list[str]]:
        """The rows whose id is not stored yet, and the ids of the others."""
        import pyarrow.compute as pc

        column = self.ws.config.data_schema.id
        stored = store.stored_ids(self.ws, "predictions")
        if len(stored) == 0:
            return table, []
        known = pc.is_in(table.column(column), value_set=stored)
        late = table.filter(known).column(column).to_pylist()
        return table.filter(pc.invert(known)), [str(i) for i in late]

    def load_stored_ids(self) -> None:
        """Learn which ids are stored (before serving: a response says if it logs)."""
        self._known.load(store.stored_ids(self.ws, "predictions"))

    # ------------------------------------------------------------------ flusher thread
    def start(self) -> None:
        self.load_stored_ids()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="service-prediction-log")
        self._thread.start()

    def stop(self) -> None:
        """Stop the flusher and store what is left."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def _run(self) -> None:
        due = time.monotonic() + self.flush_seconds
        while not self._stop.is_set():
            woken = self._wake.wait(max(min(CONVERT_SECONDS, due - time.monotonic()), 0.0))
            self._wake.clear()
            if self._stop.is_set():
                break
            if woken or time.monotonic() >= due:
                self.flush()
                due = time.monotonic() + self.flush_seconds
            else:
                self.convert()


def unlogged_since(ws: Workspace, since: str, until: str | None = None) -> tuple[int, list[str]]:
    """Records answered but not logged for their id between ``since`` and ``until``
    (ISO UTC; default now): how many, and the first ids (at most ``FIRST_IDS``)."""
    rows = ws.conn.execute(
        "SELECT records, first_ids FROM service_unlogged WHERE at >= ? AND at <= ? "
        "AND reason = ? ORDER BY at, id",
        (since, until or clock.iso(), DUPLICATE),
    ).fetchall()
    first: list[str] = []
    for row in rows:
        first += [str(i) for i in json.loads(row["first_ids"])]
    return sum(int(r["records"]) for r in rows), first[:FIRST_IDS]


class _Columns:
    """Scored rows waiting for the flush, column by column."""

    def __init__(self, features: tuple[str, ...]) -> None:
        self.ids: list[str] = []
        self.ts: list[datetime] = []
        self.features: dict[str, list[Any]] = {name: [] for name in features}
        self.scores: list[float] = []
        self.decisions: list[int] = []
        self.versions: list[str] = []
        self.latencies: list[float] = []

    def __len__(self) -> int:
        return len(self.ids)

    def extend(self, other: _Columns) -> None:
        """Append ``other``'s rows (which came after these)."""
        self.ids += other.ids
        self.ts += other.ts
        for name, values in self.features.items():
            values.extend(other.features[name])
        self.scores += other.scores
        self.decisions += other.decisions
        self.versions += other.versions
        self.latencies += other.latencies

    def add(self, batch: ScoredBatch, i: int, latency_ms: float) -> None:
        self.ids.append(batch.ids[i])
        self.ts.append(batch.ts[i])
        for name, values in self.features.items():
            column = batch.columns.get(name)
            values.append(None if column is None else column[i])
        self.scores.append(float(batch.scores[i]))
        self.decisions.append(int(batch.decisions[i]))
        self.versions.append(batch.version)
        self.latencies.append(latency_ms)
