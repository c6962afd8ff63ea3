"""Content-addressed dataset versions with lineage.

A dataset version is a Parquet file named by the SHA-256 of its bytes, recorded with
its row count, columns, parent version and the transformation that produced it. The
same content registered twice is one version.

Dataset versions hold transaction data, so they are encrypted at rest (AES-256-GCM with
the workspace's data key from the OS keyring; see :mod:`console.core.security.crypto`)
and stored as ``<sha256>.parquet.enc``; the name stays the hash of the plain Parquet
bytes, so identity and dedup do not depend on the random nonce. Without a usable
keyring a version is stored unencrypted (``.parquet``) with a warning in the log and
``encrypted: false`` in its audit entry, unless the workspace requires encryption
(``console security require-encryption on``), in which case it is refused.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.base.errors import BadInput, WorkspaceError
from console.core.base.files import atomic_write_bytes, sha256_bytes
from console.core.data import derivations
from console.core.security import credentials, crypto, settings

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)
ENCRYPTED_SUFFIX = ".parquet.enc"


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
    kind: str | None = None,
    inputs: list[derivations.Input] | None = None,
    parameters: dict[str, Any] | None = None,
) -> DatasetVersion:
    """Store ``frame`` as a dataset version (role: operator) and return it.

    The version's derivation is recorded with it: ``kind`` (default ``subset`` with a
    parent, else ``generated``), ``inputs`` (the parent is added as one) and
    ``parameters``. The same content registered again is the existing version.
    """
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
    with ws.change(user, "dataset.create", f"dataset:{sha[:12]}") as ch:
        if parent is not None and get(ws, parent) is None:
            raise BadInput(f"parent dataset {parent!r} is not registered")
        stored, encrypted = _sealed(ws, data)
        path = ws.folder("datasets") / f"{sha}{ENCRYPTED_SUFFIX if encrypted else '.parquet'}"
        atomic_write_bytes(path, stored)
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
        sources = list(inputs or [])
        if parent is not None:
            sources.insert(0, derivations.Input("dataset", parent, parent))
        derivations.record(
            ch.conn,
            kind=kind or ("subset" if parent else "generated"),
            output_kind="dataset",
            output=sha,
            inputs=sources,
            parameters={"transform": transform, **(parameters or {})},
            user=user,
        )
        ch.details = {
            "name": name,
            "rows": len(frame),
            "parent": parent,
            "transform": transform,
            "encrypted": encrypted,
        }
    version = get(ws, sha)
    assert version is not None
    return version


def _sealed(ws: Workspace, data: bytes) -> tuple[bytes, bool]:
    """The bytes to store and whether they are encrypted (see the module docstring)."""
    try:
        return crypto.encrypt_bytes(ws, data), True
    except credentials.KeyringUnavailable as exc:
        if settings.flag(ws.conn, "require_encryption"):
            raise
        log.warning("dataset stored UNENCRYPTED: %s", exc)
        return data, False


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
    data = path.read_bytes()
    if data.startswith(crypto.MAGIC):
        try:
            data = crypto.decrypt_bytes(ws, data, name=str(path))
        except BadInput as exc:
            raise WorkspaceError(f"{exc} (dataset {sha[:12]})") from None
    if sha256_bytes(data) != sha:
        raise WorkspaceError(f"{path}: dataset file is corrupt (SHA-256 does not match)")
    frame: pd.DataFrame = pq.read_table(io.BytesIO(data)).to_pandas()
    return frame
