"""Every prediction the service made, written to the workspace store in batches.

Rows wait in memory and go to the store through :func:`ingest.ingest_table` (the same
checks and records as a file) every ``flush_seconds`` or ``flush_rows`` rows, and on
shutdown. An id seen twice (a client retry) is logged once; ids already stored are
dropped before the batch is ingested, so one repeated id never costs a whole batch.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.core.data import ingest, store
from console.core.serving.metrics import ServiceMetrics

if TYPE_CHECKING:
    import pyarrow as pa

    from console.core.base.workspace import Workspace
    from console.core.serving.scoring import ScoredBatch

log = logging.getLogger(__name__)
#: id, timestamp, feature values by name, score, decision, model version, latency (ms)
_Row = tuple[str, datetime, dict[str, Any], float, int, str, float]


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
        self._rows: list[_Row] = []
        self._ids: set[str] = set()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def append(self, batch: ScoredBatch, latency_ms: float) -> None:
        with self._lock:
            for i, row_id in enumerate(batch.ids):
                if row_id in self._ids:
                    continue
                self._ids.add(row_id)
                values = {name: column[i] for name, column in batch.columns.items()}
                row = (row_id, batch.ts[i], values, float(batch.scores[i]))
                self._rows.append((*row, int(batch.decisions[i]), batch.version, latency_ms))
            pending = len(self._rows)
        self.metrics.log_pending = pending
        if pending >= self.flush_rows:
            self._wake.set()

    def flush(self) -> int:
        """Ingest what is waiting; returns the rows stored (errors are counted, not raised)."""
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, []
                self._ids = set()
            self.metrics.log_pending = 0
            if not rows:
                return 0
            try:
                table = self._table(rows)
                table = self._without_stored_ids(table)
                if table.num_rows:
                    ingest.ingest_table(
                        self.ws, self.user, "predictions", table, source=self.source
                    )
                self.metrics.logged_rows += table.num_rows
                self.metrics.log_dropped += len(rows) - table.num_rows
                return int(table.num_rows)
            except Exception as exc:  # the service keeps answering; the loss is reported
                log.exception("could not store %d predictions", len(rows))
                self.metrics.log_dropped += len(rows)
                self.metrics.last_log_error = str(exc)
                return 0

    def _table(self, rows: list[_Row]) -> pa.Table:
        import pyarrow as pa

        schema = self.ws.config.data_schema
        target = store.stored_schema(schema, "predictions")
        columns: dict[str, list[Any]] = {
            schema.id: [r[0] for r in rows],
            schema.timestamp: [r[1] for r in rows],
        }
        for name, kind in schema.features.items():
            values = [r[2].get(name) for r in rows]
            if kind == "integer":
                values = [None if v is None else int(v) for v in values]
            columns[name] = values
        columns[schema.score] = [r[3] for r in rows]
        columns[schema.decision] = [r[4] for r in rows]
        columns[store.MODEL_VERSION] = [r[5] for r in rows]
        columns[store.LATENCY_MS] = [r[6] for r in rows]
        arrays = {name: pa.array(columns[name], target.field(name).type) for name in target.names}
        return pa.table(arrays)

    def _without_stored_ids(self, table: pa.Table) -> pa.Table:
        import pyarrow.compute as pc

        column = self.ws.config.data_schema.id
        stored = store.stored_ids(self.ws, "predictions")
        if len(stored) == 0:
            return table
        return table.filter(pc.invert(pc.is_in(table.column(column), value_set=stored)))

    # ------------------------------------------------------------------ flusher thread
    def start(self) -> None:
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
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if not self._stop.is_set():
                self.flush()
