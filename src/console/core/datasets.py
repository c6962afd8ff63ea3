"""Content-addressed dataset versions with lineage.

A dataset version is a Parquet file named by the SHA-256 of its bytes, recorded with
its row count, columns, parent version and the transformation that produced it. The
same content registered twice is one version.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core import clock
from console.core.errors import BadInput, WorkspaceError
from console.core.files import atomic_write_bytes, sha256_bytes, sha256_file

if TYPE_CHECKING:
    import pandas as pd

    from console.core.workspace import Workspace


@dataclass(frozen=True)
class DatasetVersion:
    sha256: str
    name: str
    path: str
    rows: int
    columns: list[str]
    created_at: str
    created_by: str
    parent: str | None
    transform: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def register_frame(
    ws: Workspace,
    user: str,
    name: str,
    frame: pd.DataFrame,
    *,
    parent: str | None = None,
    transform: str = "",
) -> DatasetVersion:
    """Store ``frame`` as a dataset version (role: operator) and return it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if frame.empty:
        raise BadInput(f"dataset {name!r} has no rows")
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
    data = buffer.getvalue()
    sha = sha256_bytes(data)
    existing = get(ws, sha)
    if existing is not None:
        return existing
    path = ws.folder("datasets") / f"{sha}.parquet"
    with ws.change(user, "dataset.create", f"dataset:{sha[:12]}") as ch:
        if parent is not None and get(ws, parent) is None:
            raise BadInput(f"parent dataset {parent!r} is not registered")
        atomic_write_bytes(path, data)
        ch.conn.execute(
            "INSERT INTO datasets (sha256, name, path, rows, columns, created_at, created_by,"
            " parent, transform) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                sha,
                name,
                ws.relative(path),
                len(frame),
                json.dumps(list(frame.columns)),
                clock.iso(),
                user,
                parent,
                transform,
            ),
        )
        ch.details = {"name": name, "rows": len(frame), "parent": parent, "transform": transform}
    version = get(ws, sha)
    assert version is not None
    return version


def get(ws: Workspace, sha: str) -> DatasetVersion | None:
    row = ws.conn.execute("SELECT * FROM datasets WHERE sha256 = ?", (sha,)).fetchone()
    if row is None:
        return None
    return DatasetVersion(
        row["sha256"],
        row["name"],
        row["path"],
        row["rows"],
        json.loads(row["columns"]),
        row["created_at"],
        row["created_by"],
        row["parent"],
        row["transform"],
    )


def list_versions(ws: Workspace) -> list[DatasetVersion]:
    rows = ws.conn.execute("SELECT sha256 FROM datasets ORDER BY created_at DESC").fetchall()
    return [v for r in rows if (v := get(ws, r["sha256"])) is not None]


def load(ws: Workspace, sha: str) -> pd.DataFrame:
    """Read a dataset version after checking its bytes still hash to its name."""
    import pyarrow.parquet as pq

    version = get(ws, sha)
    if version is None:
        raise BadInput(f"dataset {sha!r} is not registered")
    path = ws.root / version.path
    if not path.is_file():
        raise WorkspaceError(f"{path}: dataset file is missing")
    if sha256_file(path) != sha:
        raise WorkspaceError(f"{path}: dataset file is corrupt (SHA-256 does not match)")
    frame: pd.DataFrame = pq.read_table(path).to_pandas()
    return frame
