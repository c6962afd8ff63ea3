"""Derivation records: how each dataset version and model version was made.

Every derivation (a dataset registered from files or from a window of the prediction
log, a training set assembled from another version, a relabelling, a training run) is
recorded in the same transaction as its output: the inputs with their SHA-256, the
parameters, the code version, who and when. The lineage queries
(:mod:`console.core.lineage`) walk these records both ways; the inputs' hashes are what
lets :func:`console.core.lineage.integrity.check` name a file whose bytes changed.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console import __version__
from console.core.base import clock
from console.core.base.errors import BadInput
from console.core.base.files import sha256_file

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

#: What the console's own code is, as recorded with every derivation it performs.
CODE_VERSION = f"model-ops-console {__version__}"
KINDS = (
    "files", "log_window", "subset", "relabel", "assembly", "generated",  # datasets
    "training", "retraining", "threshold", "import",  # models
)  # fmt: skip
INPUT_KINDS = ("file", "dataset", "model", "log")


@dataclass(frozen=True)
class Input:
    """One input of a derivation: a file (by path), a dataset or model version, or a
    window of the prediction log (``ref`` = ``since..until``)."""

    kind: str
    ref: str
    sha256: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref, "sha256": self.sha256}


@dataclass(frozen=True)
class Derivation:
    id: int
    kind: str
    output_kind: str
    output: str
    inputs: list[Input]
    parameters: dict[str, Any]
    code_version: str
    user: str
    created_at: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "output_kind": self.output_kind,
            "output": self.output,
            "inputs": [i.as_dict() for i in self.inputs],
            "parameters": self.parameters,
            "code_version": self.code_version,
            "user": self.user,
            "created_at": self.created_at,
        }


def file_input(ws: Workspace, path: Path) -> Input:
    """A file input: its path as the workspace records paths, and its SHA-256 now."""
    path = path.expanduser()
    if not path.is_file():
        raise BadInput(f"{path}: file not found")
    return Input("file", ws.relative(path.resolve()), sha256_file(path))


def record(
    conn: sqlite3.Connection,
    *,
    kind: str,
    output_kind: str,
    output: str,
    inputs: list[Input],
    parameters: dict[str, Any],
    user: str,
) -> int:
    """Write one derivation inside the caller's transaction (the output's own change)."""
    if kind not in KINDS:
        raise ValueError(f"unknown derivation kind {kind!r}")  # a programming error
    bad = [i.kind for i in inputs if i.kind not in INPUT_KINDS]
    if bad:
        raise ValueError(f"unknown input kind(s) {bad}")
    cur = conn.execute(
        "INSERT INTO derivations (kind, output_kind, output, inputs, parameters, code_version,"
        " user, created_at) VALUES (?,?,?,?,?,?,?,?)",
        (
            kind,
            output_kind,
            output,
            json.dumps([i.as_dict() for i in inputs]),
            json.dumps(parameters, sort_keys=True, default=str),
            CODE_VERSION,
            user,
            clock.iso(),
        ),
    )
    derivation_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO derivation_inputs (derivation_id, kind, ref, sha256) VALUES (?,?,?,?)",
        [(derivation_id, i.kind, i.ref, i.sha256) for i in inputs],
    )
    return derivation_id


def of_output(conn: sqlite3.Connection, output_kind: str, output: str) -> list[Derivation]:
    """How ``output`` (a dataset sha256 or a model version) was made, oldest first."""
    rows = conn.execute(
        "SELECT * FROM derivations WHERE output_kind = ? AND output = ? ORDER BY id",
        (output_kind, output),
    )
    return [_derivation(r) for r in rows]


def using(conn: sqlite3.Connection, input_kind: str, ref: str) -> list[Derivation]:
    """Derivations that took ``ref`` as an input (what was built from it), oldest first."""
    rows = conn.execute(
        "SELECT DISTINCT d.* FROM derivations d JOIN derivation_inputs i"
        " ON i.derivation_id = d.id WHERE i.kind = ? AND i.ref = ? ORDER BY d.id",
        (input_kind, ref),
    )
    return [_derivation(r) for r in rows]


def recorded_files(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """Every file path a derivation recorded, with the hashes it had then."""
    out: dict[str, set[str]] = {}
    for row in conn.execute("SELECT ref, sha256 FROM derivation_inputs WHERE kind = 'file'"):
        out.setdefault(row["ref"], set()).add(row["sha256"])
    return out


def all_derivations(conn: sqlite3.Connection) -> list[Derivation]:
    return [_derivation(r) for r in conn.execute("SELECT * FROM derivations ORDER BY id")]


def _derivation(row: sqlite3.Row) -> Derivation:
    return Derivation(
        row["id"],
        row["kind"],
        row["output_kind"],
        row["output"],
        [Input(**i) for i in json.loads(row["inputs"])],
        json.loads(row["parameters"]),
        row["code_version"],
        row["user"],
        row["created_at"],
    )
