"""Data recovery, the operations guide's procedure as one action: restore the data from a
snapshot, re-run it through the normal pipeline, validate the outputs.

``--window DAYS``: for the last DAYS days of prediction-log data in the snapshot, each
(kind, day) whose data is lost or damaged in the live workspace (no part, a part file
missing, or a file whose SHA-256 no longer matches its record) is taken from the
snapshot and ingested again through the normal ingest, so every check runs; damaged
part records are retired first (their files kept as ``*.damaged``). Then the content
of every day in the window (rows hashed in id order, without the arrival time) and its
daily metrics (F1, precision, recall, FPR) are compared with the snapshot's.

``--model VERSION``: the version's artifact and golden set come from the snapshot,
hash-checked by the registry against the recorded SHA-256 on both sides, and the
version is loaded (safely) to prove it works.

``--dataset VERSION``: the dataset version's bytes come from the snapshot, must hash to
the version's name, and are loaded back through the datasets code (which checks the
hash again); a version the live registry lacks is registered anew and must come out
with the same name.

The report says, for each day or the dataset, what reproduced and what did not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.backup import restore
from console.core.backup.repository import Repository
from console.core.base import events
from console.core.base.errors import BadInput, WorkspaceError
from console.core.base.files import sha256_file
from console.core.base.jobs import JobContext

if TYPE_CHECKING:
    import pyarrow as pa

    from console.core.base.workspace import Workspace

METRICS = ("f1", "precision", "recall", "fpr")


def recover(
    ws: Workspace,
    user: str,
    repo: Repository,
    snapshot: str,
    *,
    window_days: int | None = None,
    dataset: str | None = None,
    model: str | None = None,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Recover lost data from ``snapshot`` into ``ws`` (role admin); returns the report."""
    from console.core.base.workspace import Workspace as OpenWorkspace

    ctx = ctx or JobContext()
    ws.authorize(user, "backup.recover", snapshot)
    if [window_days, dataset, model].count(None) != 2:
        raise BadInput("recover: give exactly one of --window DAYS, --dataset or --model")
    if window_days is not None and not 1 <= window_days <= 366:
        raise BadInput(f"--window {window_days}: between 1 and 366 days")
    record = repo.read_snapshot(repo.resolve(snapshot))
    restore.check_restorable(record)
    part = "logs" if window_days is not None else "datasets" if dataset else "models"
    only = ["config", "audit", part]
    scratch_parent = Path(tempfile.mkdtemp(prefix="console-recover-"))
    try:
        ctx.progress(0.02, "Restoring the snapshot's data beside the workspace")
        restore.restore_to(repo, record["id"], scratch_parent / "ws", only=only,
                           ctx=ctx.sub(0.02, 0.4))  # fmt: skip
        with OpenWorkspace.open(scratch_parent / "ws") as old:
            if dataset is not None:
                report = _dataset(ws, user, old, dataset)
            elif model is not None:
                report = _model(ws, old, model)
            else:
                assert window_days is not None
                report = _window(ws, user, old, window_days, ctx.sub(0.4, 1.0))
    finally:
        shutil.rmtree(scratch_parent, ignore_errors=True)
    report["snapshot"] = record["id"]
    report["reproduced"] = all(item["reproduced"] for item in report["items"])
    with ws.change(user, "backup.recover", record["id"][:12]) as ch:
        ch.details = {
            "repository": repo.id,
            "snapshot": record["id"],
            "recovered": [i["what"] for i in report["items"] if i.get("recovered")],
            "not_reproduced": [i["what"] for i in report["items"] if not i["reproduced"]],
        }
    ctx.progress(1.0, "Recovered" if report["reproduced"] else "Recovered with differences")
    events.publish("ingested", ws, source="recover", snapshot=record["id"])
    return report


# ---------------------------------------------------------------- a dataset version
def _dataset(ws: Workspace, user: str, old: Workspace, sha: str) -> dict[str, Any]:
    from console.core.data import datasets
    from console.core.security import crypto

    version = datasets.get(old, sha)
    if version is None:
        raise BadInput(f"--dataset {sha[:12]}: not a dataset version of this snapshot")
    frame = datasets.load(old, sha)  # checks the snapshot's copy hashes to its name
    live = datasets.get(ws, sha)
    state = _dataset_state(ws, sha) if live is not None else "not registered"
    item: dict[str, Any] = {"what": f"dataset {sha[:12]}", "before": state, "rows": len(frame)}
    if live is None:
        again = datasets.register_frame(ws, user, version.name, frame,
                                        transform="recovered from a backup")  # fmt: skip
        item.update(recovered=True, reproduced=again.sha256 == sha, now=again.sha256)
    elif state != "intact":
        data = (old.root / version.path).read_bytes()
        if data.startswith(crypto.MAGIC):
            data = crypto.decrypt_bytes(old, data, name=version.path)
        target = ws.root / live.path
        sealed = crypto.encrypt_bytes(ws, data) if target.name.endswith(".enc") else data
        from console.core.base.files import atomic_write_bytes

        atomic_write_bytes(target, sealed)
        item.update(recovered=True, reproduced=_dataset_state(ws, sha) == "intact", now=sha)
    else:
        item.update(recovered=False, reproduced=True, now=sha)
    return {"kind": "dataset", "items": [item]}


def _dataset_state(ws: Workspace, sha: str) -> str:
    from console.core.data import datasets

    try:
        datasets.load(ws, sha)
    except WorkspaceError as exc:
        return "missing" if "missing" in str(exc) else "damaged"
    return "intact"


# ---------------------------------------------------------------- a model version
def _model(ws: Workspace, old: Workspace, version: str) -> dict[str, Any]:
    """A model version's artifact and golden set back from the snapshot, hash-checked by
    the registry on both sides, then loaded safely to prove it works."""
    from console.core.base.files import atomic_write_bytes
    from console.core.models import registry

    then = registry.get(old, version)
    if then is None:
        raise BadInput(f"--model {version}: not a model version of this snapshot")
    live = registry.get(ws, version)
    if live is None:
        raise BadInput(
            f"--model {version}: not in the live registry; restore the workspace from the "
            "snapshot (backup restore --in-place) to bring its record back"
        )
    if (live.sha256, live.golden_sha256) != (then.sha256, then.golden_sha256):
        raise BadInput(f"--model {version}: the snapshot's artifact differs from the registry's")
    item: dict[str, Any] = {"what": f"model {version}", "before": _model_state(ws, live)}
    if item["before"] != "intact":
        atomic_write_bytes(ws.root / live.path, registry.read_artifact(old, then))
        if live.golden_path:
            atomic_write_bytes(ws.root / live.golden_path, registry.read_golden(old, then))
    registry.load(ws, version)  # the safe load of the version, hash checked again
    after = _model_state(ws, live)
    item.update(recovered=item["before"] != "intact", reproduced=after == "intact", now=after)
    return {"kind": "model", "items": [item]}


def _model_state(ws: Workspace, model: Any) -> str:
    from console.core.models import registry

    try:
        registry.read_artifact(ws, model)
        if model.golden_path:
            registry.read_golden(ws, model)
    except WorkspaceError as exc:
        return "missing" if "missing" in str(exc) else "damaged"
    return "intact"


# ---------------------------------------------------------------- a window of the log
def _window(ws: Workspace, user: str, old: Workspace, days: int, ctx: JobContext) -> dict[str, Any]:
    rows = old.conn.execute("SELECT MAX(day) AS d FROM parts WHERE kind = 'predictions'")
    newest = rows.fetchone()["d"]
    if newest is None:
        raise BadInput("the snapshot holds no prediction log (was it made without log parts?)")
    end = dt.date.fromisoformat(newest)
    start = end - dt.timedelta(days=days - 1)
    wanted = [start + dt.timedelta(days=i) for i in range(days)]
    lost = [(k, d) for k in ("predictions", "labels") for d in wanted
            if _old_has(old, k, d) and _live_state(ws, k, d) != "intact"]  # fmt: skip
    ctx.progress(0.05, f"{len(lost)} lost day(s) to re-ingest")
    _retire_damaged(ws, user, lost)
    with tempfile.TemporaryDirectory(prefix="console-reingest-") as tmp:
        for n, (kind, day) in enumerate(sorted(lost, key=lambda x: (x[0] != "predictions", x[1]))):
            ctx.progress(0.1 + 0.6 * n / max(len(lost), 1), f"Re-ingesting {kind} of {day}")
            path = _export_day(old, kind, day, Path(tmp))
            from console.core.data import ingest

            ingest.ingest_file(ws, user, kind, path, source_name=f"recovered-{kind}-{day}.parquet")
    ctx.progress(0.75, "Recomputing the window's metrics")
    before, after = _daily_metrics(old, start, end), _daily_metrics(ws, start, end)
    items = []
    for day in wanted:
        same_rows = all(_content_hash(old, k, day) == _content_hash(ws, k, day)
                        for k in ("predictions", "labels"))  # fmt: skip
        b, a = before.get(day.isoformat(), {}), after.get(day.isoformat(), {})
        same_metrics = all(_close(b.get(m), a.get(m)) for m in METRICS)
        items.append({
            "what": f"day {day}",
            "recovered": any(d == day for _, d in lost),
            "rows_reproduced": same_rows,
            "metrics_reproduced": same_metrics,
            "reproduced": same_rows and same_metrics,
            "before": b,
            "after": a,
        })  # fmt: skip
    return {"kind": "window", "start": str(start), "end": str(end), "items": items}


def _old_has(old: Workspace, kind: str, day: dt.date) -> bool:
    found = old.conn.execute(
        "SELECT 1 FROM parts WHERE kind = ? AND day = ?", (kind, day.isoformat())
    ).fetchone()
    return found is not None


def _live_state(ws: Workspace, kind: str, day: dt.date) -> str:
    parts = ws.conn.execute(
        "SELECT path, sha256 FROM parts WHERE kind = ? AND day = ?", (kind, day.isoformat())
    ).fetchall()
    if not parts:
        return "missing"
    for part in parts:
        path = ws.root / part["path"]
        if not path.is_file() or sha256_file(path) != part["sha256"]:
            return "damaged"
    return "intact"


def _retire_damaged(ws: Workspace, user: str, lost: list[tuple[str, dt.date]]) -> None:
    """Damaged part records leave the store (audited); their files are kept aside."""
    retired: list[str] = []
    with ws.change(user, "backup.recover", "parts") as ch:
        for kind, day in lost:
            for part in ch.conn.execute(
                "SELECT id, path FROM parts WHERE kind = ? AND day = ?", (kind, day.isoformat())
            ).fetchall():
                ch.conn.execute("DELETE FROM parts WHERE id = ?", (part["id"],))
                retired.append(part["path"])
        ch.details = {"retired_parts": retired}
    for rel in retired:
        path = ws.root / rel
        if path.exists():
            path.rename(path.with_name(path.name + ".damaged"))


def _columns(ws: Workspace, kind: str, table: pa.Table) -> list[str]:
    from console.core.data import input_files

    schema = ws.config.data_schema
    wanted = input_files.input_columns(schema, kind) + input_files.optional_columns(kind)
    return [c for c in wanted if c in table.column_names]


def _export_day(old: Workspace, kind: str, day: dt.date, folder: Path) -> Path:
    import pyarrow.parquet as pq

    from console.core.data import store

    table = store.read(old, kind, start=day, end=day)
    path = folder / f"{kind}-{day}.parquet"
    pq.write_table(table.select(_columns(old, kind, table)), path)
    return path


def _content_hash(ws: Workspace, kind: str, day: dt.date) -> str:
    """SHA-256 of a day's rows in id order, arrival time left out (it differs by design)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from console.core.data import store

    table = store.read(ws, kind, start=day, end=day)
    columns = [c for c in _columns(ws, kind, table) if c != store.LABELLED_AT]
    table = table.select(columns)
    if table.num_rows:
        table = table.take(pc.sort_indices(table, [(ws.config.data_schema.id, "ascending")]))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def _daily_metrics(ws: Workspace, start: dt.date, end: dt.date) -> dict[str, dict[str, float]]:
    from console.core.monitoring import performance

    table = performance.windowed_metrics(ws, window="day", start=start, end=end)
    out: dict[str, dict[str, float]] = {}
    for row in table.rows():
        day = str(row["window"])[:10]
        out[day] = {m: float(row[m]) for m in METRICS if row.get(m) is not None}
    return out


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
