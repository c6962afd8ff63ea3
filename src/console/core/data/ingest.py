"""Ingest prediction and label files into the workspace store, one batch per file.

A file is accepted whole or refused whole (:mod:`console.core.data.input_files` says why,
with file, line and column). Accepted rows are written as Parquet parts, then made
visible by one transaction that re-checks what depends on the store (ids already
ingested, labels for unknown or labelled ids), records the batch and its parts and
appends the audit entry. Every attempt — ok, duplicate, refused, cancelled, failed — is
a row in ``batches``: the data pipeline's history that health checks read. The same
file (by SHA-256) ingested twice adds nothing.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base import access, audit, clock, events, orphans
from console.core.base.crash import crash_point
from console.core.base.db import write_transaction
from console.core.base.errors import BadInput, JobCancelled, PermissionDenied
from console.core.base.files import fsync_dir, sha256_bytes, sha256_file
from console.core.base.jobs import JobContext
from console.core.data import store
from console.core.data.input_files import InputFile, check_values, read

if TYPE_CHECKING:
    import sqlite3

    import pyarrow as pa

    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)

PART_ROWS = 250_000  # rows per Parquet part at most


@dataclass(frozen=True)
class IngestResult:
    batch_id: int
    kind: str
    source: str
    sha256: str
    rows: int
    outcome: str  # "ok" or "duplicate"
    message: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Batch:
    """One ingest attempt: who, what file, and what it has written so far."""

    ws: Workspace
    user: str
    source: InputFile
    source_name: str | None = None  # recorded instead of the path (in-process rows)
    started: str = field(default_factory=clock.iso)
    #: wall-clock start; a commit later than the ingest limit is refused (see orphans)
    began: float = field(default_factory=time.time)
    sha: str = ""
    written: list[Path] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.source.kind

    @property
    def name(self) -> str:
        """The file as the batch history records it (relative when inside the workspace)."""
        if self.source_name:
            return self.source_name
        return self.ws.relative(self.source.path.expanduser().resolve())

    def record(
        self,
        conn: sqlite3.Connection,
        outcome: str,
        *,
        rows: int = 0,
        message: str = "",
        problems: list[str] | None = None,
        span: tuple[str | None, str | None] = (None, None),
    ) -> int:
        """Insert the batch row and its audit entry (caller holds the transaction)."""
        cur = conn.execute(
            "INSERT INTO batches (kind, source, sha256, rows, started_at, finished_at, outcome,"
            " message, problems, user, ts_min, ts_max) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                self.kind,
                self.name,
                self.sha,
                rows,
                self.started,
                clock.iso(),
                outcome,
                message,
                json.dumps(problems or []),
                self.user,
                *span,
            ),
        )
        batch_id = int(cur.lastrowid or 0)
        details: dict[str, Any] = {"kind": self.kind, "batch": batch_id, "rows": rows}
        details.update({"sha256": self.sha} if self.sha else {})
        details.update({"outcome": outcome, "error": message} if outcome != "ok" else {})
        events.after_commit(
            conn, "ingested", batch=batch_id, kind=self.kind, outcome=outcome, rows=rows
        )
        audit.append(
            conn,
            user=self.user,
            role=self.ws.role_of(self.user),
            action="ingest",
            target=self.name,
            outcome="refused" if outcome in ("refused", "cancelled", "failed") else "ok",
            details=details,
        )
        return batch_id

    def record_failure(self, outcome: str, exc: BaseException) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)
        try:
            with write_transaction(self.ws.conn) as conn:
                problems = getattr(exc, "problems", [str(exc)])
                self.record(conn, outcome, message=str(exc), problems=problems)
        except Exception:  # the original error matters more than the bookkeeping
            log.exception("could not record the %s batch for %s", outcome, self.name)


def ingest_table(
    ws: Workspace,
    user: str,
    kind: str,
    table: pa.Table,
    *,
    source: str,
    ctx: JobContext | None = None,
) -> IngestResult:
    """Ingest rows made in-process (e.g. the scoring service's prediction log).

    They take the same path as a file — spooled as Parquet inside the workspace, checked,
    written, recorded — and the batch history names them ``source``.
    """
    import pyarrow.parquet as pq

    spool = ws.root / "spool"
    spool.mkdir(exist_ok=True)
    path = spool / f"{uuid.uuid4().hex}.parquet"
    pq.write_table(table, path)
    try:
        return ingest_file(ws, user, kind, path, ctx, source_name=source)
    finally:
        path.unlink(missing_ok=True)


def ingest_file(
    ws: Workspace,
    user: str,
    kind: str,
    path: Path,
    ctx: JobContext | None = None,
    *,
    source_name: str | None = None,
) -> IngestResult:
    """Validate ``path`` and add its rows to the store as one batch (role: operator)."""
    if kind not in store.KINDS:
        raise BadInput(f"unknown kind {kind!r}: use 'predictions' or 'labels'")
    ctx = ctx or JobContext()
    source = InputFile(Path(path), kind, ws.config, source_name or "")
    batch = _Batch(ws, user, source, source_name)
    ws.authorize(user, "ingest", batch.name)
    # The file is hashed while it is read (both release the GIL); a duplicate is caught
    # after the read, which wastes a read only for the rare duplicate file.
    hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-hash")
    hashing = hasher.submit(sha256_file, batch.source.path) if batch.source.path.is_file() else None
    try:
        ctx.progress(0.02, "Reading rows")
        table = read(batch.source)
        batch.sha = hashing.result() if hashing else ""
        earlier = _earlier_batch(ws.conn, kind, batch.sha)
        if earlier is not None:
            return _record_duplicate(batch, earlier)
        ctx.progress(0.55, "Checking values")
        check_values(batch.source, table)
        given = store.LABELLED_AT in table.column_names
        if kind == "labels" and not given:
            table = _with_arrival_time(table)
        parts = _write_parts(batch, table, ctx)
        crash_point("ingest.parts_written")
        ctx.progress(0.9, "Recording batch")
        batch_id = _commit(batch, table, parts, labelled_at_given=given)
        crash_point("ingest.after_commit")
    except BadInput as exc:
        batch.sha = batch.sha or _hash_or_empty(hashing)
        batch.record_failure("refused", exc)
        raise
    except JobCancelled as exc:
        batch.record_failure("cancelled", exc)
        raise
    except PermissionDenied:
        for part in batch.written:
            part.unlink(missing_ok=True)
        raise
    except Exception as exc:
        log.exception("ingest of %s failed", batch.name)
        batch.record_failure("failed", exc)
        raise
    finally:
        hasher.shutdown(wait=True)
    ctx.progress(1.0, "Done")
    log.info("ingested %d %s rows from %s as batch %d", table.num_rows, kind, batch.name, batch_id)
    return IngestResult(batch_id, kind, batch.name, batch.sha, table.num_rows, "ok", "")


def _hash_or_empty(hashing: Future[str] | None) -> str:
    try:
        return hashing.result() if hashing else ""
    except OSError:
        return ""


def _with_arrival_time(table: pa.Table) -> pa.Table:
    import pyarrow as pa

    arrived = pa.array([clock.now()] * table.num_rows, pa.timestamp("us", tz="UTC"))
    return table.append_column(store.LABELLED_AT, arrived)


def _write_parts(batch: _Batch, table: pa.Table, ctx: JobContext) -> list[_Part]:
    """Write one Parquet part per day, fsync'ed, hashed as written. Not yet visible.

    Parts are written under their final names: nothing reads a part until the commit
    records it, and a crash before that leaves an orphan for :func:`store.sweep_orphans`.
    Files are written and fsync'ed by a small thread pool (pyarrow and fsync release the
    GIL); each month folder is fsync'ed once.
    """
    import numpy as np
    import pyarrow as pa

    schema = batch.ws.config.data_schema
    target = store.stored_schema(schema, batch.kind)
    for name in target.names:  # optional columns the file did not carry stay empty
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, target.field(name).type))
    table = table.select(target.names).cast(target)
    # predictions by the day they were scored, labels by the day they were confirmed
    time_column = schema.timestamp if batch.kind == "predictions" else store.LABELLED_AT
    day_index = np.asarray(table.column(time_column).cast(pa.int64())) // 86_400_000_000
    order = np.argsort(day_index, kind="stable")
    if not (order[1:] > order[:-1]).all():
        table, day_index = table.take(pa.array(order)), day_index[order]
    days, starts = np.unique(day_index, return_index=True)
    ends = [*starts[1:], len(day_index)]
    token = f"{batch.sha[:12]}-{uuid.uuid4().hex[:8]}"
    jobs = []
    for day, day_start, day_end in zip(days, starts, ends, strict=True):
        day_text = str(np.datetime64(int(day), "D"))
        folder = batch.ws.folder(batch.kind) / f"month={day_text[:7]}"
        # a big day is split so that the pool writes its pieces in parallel
        for piece, start in enumerate(range(int(day_start), int(day_end), PART_ROWS)):
            path = folder / f"{day_text}_batch-{token}-{piece}.parquet"
            jobs.append((day_text, path, table.slice(start, min(PART_ROWS, int(day_end) - start))))
    for folder in {path.parent for _, path, _ in jobs}:
        folder.mkdir(parents=True, exist_ok=True)
    batch.written.extend(path for _, path, _ in jobs)

    options = {
        # dictionaries only where values repeat (ids never do); statistics only on time,
        # which readers prune by: both measured to halve the write time
        "use_dictionary": [n for n, t in schema.features.items() if t == "category"],
        "write_statistics": [time_column],
    }
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="ingest-write") as pool:
        futures = [pool.submit(_write_part, *job, options) for job in jobs]
        parts = []
        for n, future in enumerate(futures):
            parts.append(future.result())
            ctx.progress(0.6 + 0.3 * (n + 1) / len(futures), "Writing parts")
    for folder in {path.parent for _, path, _ in jobs}:
        fsync_dir(folder)
    return parts


@dataclass(frozen=True)
class _Part:
    day: str
    path: Path
    rows: int
    sha256: str
    versions: str | None  # predictions: JSON rows per model version (labels: None)


def _write_part(day: str, path: Path, table: pa.Table, options: dict[str, Any]) -> _Part:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **options)
    data = sink.getvalue().to_pybytes()
    with path.open("xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return _Part(day, path, table.num_rows, sha256_bytes(data), _version_counts(table))


def _version_counts(table: pa.Table) -> str | None:
    """Rows per model version (JSON) of a predictions part; None for labels."""
    if store.MODEL_VERSION not in table.column_names:
        return None
    return json.dumps(store.version_counts(table), sort_keys=True)


def _commit(
    batch: _Batch, table: pa.Table, parts: list[_Part], *, labelled_at_given: bool = True
) -> int:
    """Make the parts visible: re-check against the store, record batch, parts, audit."""
    import pyarrow.compute as pc

    ws = batch.ws
    span: tuple[str | None, str | None] = (None, None)
    if batch.kind == "predictions":
        bounds = pc.min_max(table.column(ws.config.data_schema.timestamp)).as_py()
        span = (clock.iso(bounds["min"]), clock.iso(bounds["max"]))
    with write_transaction(ws.conn) as conn:
        role = ws.role_of(batch.user)
        if not access.allowed(role, "ingest"):
            raise PermissionDenied(batch.user, role, "ingest")
        limit = orphans.max_age_seconds(ws)
        if time.time() - batch.began > limit:
            raise BadInput(
                f"{batch.name}: the ingest took longer than limits.max_ingest_minutes "
                f"({limit / 60:g}); its parts may already be swept as orphans, so nothing "
                "was added (split the file or raise the limit)"
            )
        if _earlier_batch(conn, batch.kind, batch.sha) is not None:
            raise BadInput(f"{batch.source.path}: was ingested by another process a moment ago")
        _check_against_store(batch, table)
        batch_id = batch.record(conn, "ok", rows=table.num_rows, span=span)
        if batch.kind == "labels":
            conn.execute(
                "UPDATE batches SET labelled_at_given = ? WHERE id = ?",
                (int(labelled_at_given), batch_id),
            )
        conn.executemany(
            "INSERT INTO parts (batch_id, kind, day, path, rows, sha256, versions)"
            " VALUES (?,?,?,?,?,?,?)",
            [
                (batch_id, batch.kind, p.day, ws.relative(p.path), p.rows, p.sha256, p.versions)
                for p in parts
            ],
        )
        crash_point("ingest.before_commit")
        crash_point("ingest.inside_commit")  # with CONSOLE_CRASH_DELAY_US: during COMMIT
    return batch_id


def _check_against_store(batch: _Batch, table: pa.Table) -> None:
    """Checks that depend on what is stored; run under the write lock."""
    import numpy as np
    import pyarrow.compute as pc

    ws = batch.ws
    name = ws.config.data_schema.id
    ids = table.column(name)
    problems = batch.source.problems()

    def flag(mask: Any, detail: str) -> None:
        problems.flag(np.asarray(mask, dtype=bool), ids, name, detail)

    predicted = store.stored_ids(ws, "predictions")
    if batch.kind == "predictions":
        flag(pc.is_in(ids, value_set=predicted), "id {v!r} was already ingested")
    else:
        flag(pc.invert(pc.is_in(ids, value_set=predicted)), "label for unknown id {v!r}")
        labelled = store.stored_ids(ws, "labels")
        flag(pc.is_in(ids, value_set=labelled), "id {v!r} already has a label")
    problems.raise_if_any()


def _earlier_batch(conn: sqlite3.Connection, kind: str, sha: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM batches WHERE kind = ? AND sha256 = ? AND outcome = 'ok' LIMIT 1",
        (kind, sha),
    ).fetchone()
    return int(row["id"]) if row else None


def _record_duplicate(batch: _Batch, earlier: int) -> IngestResult:
    message = f"identical to batch {earlier}; nothing added"
    with write_transaction(batch.ws.conn) as conn:
        batch_id = batch.record(conn, "duplicate", message=message)
    return IngestResult(batch_id, batch.kind, batch.name, batch.sha, 0, "duplicate", message)


@dataclass(frozen=True)
class Batch:
    """One ingest attempt, whatever its outcome (a row of ``batches``)."""

    id: int
    kind: str  # predictions | labels
    source: str
    sha256: str
    rows: int  # rows added (0 unless the outcome is ok)
    started_at: str
    finished_at: str
    outcome: str  # ok | refused | duplicate | cancelled | failed
    message: str
    problems: list[str]
    user: str
    ts_min: str | None
    ts_max: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def batches(ws: Workspace, limit: int = 200) -> list[Batch]:
    """Ingest history, newest first."""
    rows = ws.conn.execute("SELECT * FROM batches ORDER BY id DESC LIMIT ?", (limit,))
    names = {f.name for f in fields(Batch)}
    out = []
    for r in rows:
        item = {k: r[k] for k in r.keys() if k in names}  # noqa: SIM118 - sqlite3.Row
        item["problems"] = [str(p) for p in json.loads(item["problems"])]
        out.append(Batch(**item))
    return out


def newest_batch_id(ws: Workspace) -> int | None:
    """The id of the newest ingest attempt (None before the first): moves on every ingest."""
    row = ws.conn.execute("SELECT MAX(id) FROM batches").fetchone()
    return None if row[0] is None else int(row[0])
