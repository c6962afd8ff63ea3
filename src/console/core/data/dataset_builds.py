"""Ways to make a dataset version, each recording its derivation.

* :func:`from_files` - CSV or Parquet files, concatenated (inputs: each file's hash);
* :func:`from_log_window` - the stored predictions of a time window joined to their
  labels (inputs: the ingest batches' files that window came from);
* :func:`relabel` - a version with labels replaced from a labels file (inputs: the
  parent version and the file).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.base.errors import BadInput
from console.core.data import datasets, derivations, store

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace

SUFFIXES = (".csv", ".parquet", ".pq")


def read_table_file(path: Path) -> pd.DataFrame:
    """A CSV or Parquet file as a frame; BadInput naming the file when it is unreadable."""
    import pandas as pd

    if not path.is_file():
        raise BadInput(f"{path}: file not found")
    if path.suffix.lower() not in SUFFIXES:
        raise BadInput(f"{path}: not a CSV or Parquet file (expected {', '.join(SUFFIXES)})")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadInput(f"{path}: cannot read: {first}") from None


def from_files(
    ws: Workspace,
    user: str,
    name: str,
    paths: list[Path],
    *,
    parent: str | None = None,
    transform: str = "",
) -> datasets.DatasetVersion:
    """Register the rows of ``paths`` (same columns) as one dataset version."""
    import pandas as pd

    if not paths:
        raise BadInput("no files given")
    ws.authorize(user, "dataset.create", f"dataset:{name}")
    frames: list[pd.DataFrame] = []
    inputs: list[derivations.Input] = []
    for path in paths:
        frame = _with_timestamps(read_table_file(path), path, ws.config.data_schema.timestamp)
        if frames and list(frame.columns) != list(frames[0].columns):
            raise BadInput(
                f"{path}: columns {list(frame.columns)} differ from {paths[0]}'s "
                f"{list(frames[0].columns)}"
            )
        frames.append(frame)
        inputs.append(derivations.file_input(ws, path))
    combined = pd.concat(frames, ignore_index=True)
    return datasets.register_frame(
        ws, user, name, combined, parent=parent,
        transform=transform or f"rows of {len(paths)} file(s)",
        kind="files", inputs=inputs, parameters={"files": len(paths)},
    )  # fmt: skip


def _with_timestamps(frame: pd.DataFrame, path: Path, stamp: str) -> pd.DataFrame:
    """Timestamp columns as UTC datetimes, whether the file was CSV text or Parquet."""
    import pandas as pd

    for name in (stamp, store.LABELLED_AT):
        if name in frame.columns:
            try:
                frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
            except (ValueError, TypeError) as exc:
                raise BadInput(f"{path}: column {name!r}: not a timestamp: {exc}") from None
    return frame


def from_log_window(
    ws: Workspace, user: str, name: str, since: dt.datetime, until: dt.datetime
) -> datasets.DatasetVersion:
    """The predictions stored for [since, until) with their labels (unlabelled rows are
    left out), as a training-ready dataset version."""
    import pyarrow.compute as pc

    if until <= since:
        raise BadInput(f"empty window: until ({until}) is not after since ({since})")
    ws.authorize(user, "dataset.create", f"dataset:{name}")
    schema = ws.config.data_schema
    table = store.read(ws, "predictions", start=since.date(), end=until.date())
    ts = table.column(schema.timestamp)
    lo = pc.greater_equal(ts, pc.cast(since, ts.type))
    hi = pc.less(ts, pc.cast(until, ts.type))
    frame = table.filter(pc.and_(lo, hi)).to_pandas()
    labels = store.read(ws, "labels").to_pandas()[[schema.id, schema.label]]
    labels = labels.drop_duplicates(schema.id, keep="last")
    frame = frame.merge(labels, on=schema.id, how="inner")
    if frame.empty:
        raise BadInput(f"no labelled predictions between {since} and {until}")
    inputs = _window_batches(ws, since, until)
    window = f"{since.isoformat()}..{until.isoformat()}"
    return datasets.register_frame(
        ws, user, name, frame.reset_index(drop=True),
        transform=f"labelled predictions of {window}",
        kind="log_window", inputs=[derivations.Input("log", window), *inputs],
        parameters={"since": since.isoformat(), "until": until.isoformat(), "join": schema.id},
    )  # fmt: skip


def _window_batches(ws: Workspace, since: dt.datetime, until: dt.datetime) -> list[Any]:
    """The ingested files whose rows overlap the window (by their recorded time range)."""
    rows = ws.conn.execute(
        "SELECT source, sha256 FROM batches WHERE outcome = 'ok' AND kind = 'predictions'"
        " AND ts_min < ? AND ts_max >= ? ORDER BY id",
        (clock.iso(until), clock.iso(since)),
    ).fetchall()
    return [derivations.Input("file", r["source"], r["sha256"]) for r in rows]


def relabel(
    ws: Workspace, user: str, parent: str, labels_file: Path, *, name: str | None = None
) -> datasets.DatasetVersion:
    """A new version of ``parent`` whose labels come from ``labels_file`` (id, label)."""
    schema = ws.config.data_schema
    ws.authorize(user, "dataset.create", f"dataset:{parent[:12]}")
    base = datasets.get(ws, parent)
    if base is None:
        raise BadInput(f"dataset {parent!r} is not registered")
    frame = datasets.load(ws, parent)
    fixes = read_table_file(labels_file)
    label = schema.label if schema.label in frame.columns else "is_fraud"
    missing = [c for c in (schema.id, schema.label) if c not in fixes.columns]
    if missing:
        raise BadInput(f"{labels_file}: missing column(s) {', '.join(missing)}")
    if label not in frame.columns or schema.id not in frame.columns:
        raise BadInput(f"dataset {parent[:12]} has no {schema.id!r} and label column")
    new = fixes.drop_duplicates(schema.id, keep="last").set_index(schema.id)[schema.label]
    matched = frame[schema.id].isin(new.index)
    if not matched.any():
        raise BadInput(f"{labels_file}: no id matches a row of dataset {parent[:12]}")
    frame.loc[matched, label] = frame.loc[matched, schema.id].map(new).to_numpy()
    return datasets.register_frame(
        ws, user, name or base.name, frame, parent=parent,
        transform=f"{int(matched.sum())} label(s) replaced from {labels_file.name}",
        kind="relabel", inputs=[derivations.file_input(ws, labels_file)],
        parameters={"relabelled_rows": int(matched.sum())},
    )  # fmt: skip
