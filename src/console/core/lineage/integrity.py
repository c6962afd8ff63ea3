"""Which recorded files and artifacts no longer have the bytes they had.

Every input file of a derivation and every ingested file was recorded with its SHA-256;
every model artifact, golden set and dataset version is named by its own. This module
hashes them again and names each one whose bytes changed (and what was built from it)
or that is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base.errors import BadInput, WorkspaceError
from console.core.base.files import sha256_file
from console.core.base.jobs import JobContext
from console.core.data import datasets, derivations
from console.core.models import registry
from console.core.security import credentials

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

STATES = ("unchanged", "changed", "missing", "unreadable")


@dataclass(frozen=True)
class FileState:
    kind: str  # input file | ingested file | model artifact | golden set | dataset
    path: str
    state: str  # unchanged | changed | missing | unreadable: <why> (no data key here)
    recorded: str
    current: str = ""
    used_by: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _absolute(ws: Workspace, recorded: str) -> Path:
    path = Path(recorded)
    return path if path.is_absolute() else ws.root / path


def _state(path: Path, recorded: set[str]) -> tuple[str, str]:
    if not path.is_file():
        return "missing", ""
    now = sha256_file(path)
    return ("unchanged" if now in recorded else "changed"), now


def check(ws: Workspace, ctx: JobContext | None = None) -> list[FileState]:
    """Hash every recorded file again; changed and missing ones first."""
    ctx = ctx or JobContext()
    out: list[FileState] = []
    files = derivations.recorded_files(ws.conn)
    ingested: dict[str, set[str]] = {}
    for row in ws.conn.execute(
        "SELECT source, sha256 FROM batches WHERE outcome = 'ok' AND sha256 != ''"
    ):
        ingested.setdefault(row["source"], set()).add(row["sha256"])
    models = registry.list_versions(ws)
    versions = datasets.list_versions(ws)
    total = max(len(files) + len(ingested) + len(models) + len(versions), 1)
    done = 0

    def tick(what: str) -> None:
        nonlocal done
        done += 1
        ctx.progress(done / total, f"Hashing {what}")

    for recorded, hashes in sorted(files.items()):
        tick(recorded)
        state, now = _state(_absolute(ws, recorded), hashes)
        built = [
            f"{d.output_kind}:{d.output}" for d in derivations.using(ws.conn, "file", recorded)
        ]
        out.append(FileState("input file", recorded, state, sorted(hashes)[0], now, built))
    for recorded, hashes in sorted(ingested.items()):
        tick(recorded)
        if recorded in files:
            continue
        state, now = _state(_absolute(ws, recorded), hashes)
        out.append(FileState("ingested file", recorded, state, sorted(hashes)[0], now))
    for model in models:
        tick(model.path)
        state, now = _state(ws.root / model.path, {model.sha256})
        out.append(FileState("model artifact", model.path, state, model.sha256, now,
                             [f"model:{model.version}"]))  # fmt: skip
        if model.golden_path and model.golden_sha256:
            state, now = _state(ws.root / model.golden_path, {model.golden_sha256})
            out.append(FileState("golden set", model.golden_path, state, model.golden_sha256,
                                 now, [f"model:{model.version}"]))  # fmt: skip
    for version in versions:
        tick(version.path)
        out.append(_dataset_state(ws, version))
    order = {"changed": 0, "missing": 1, "unchanged": 3}
    return sorted(out, key=lambda f: (order.get(f.state, 2), f.kind, f.path))


def _dataset_state(ws: Workspace, version: datasets.DatasetVersion) -> FileState:
    """A dataset version's file: decrypted and hashed by :func:`datasets.load`."""
    path = ws.root / version.path
    used = [f"dataset:{version.sha256}"]
    if not path.is_file():
        return FileState("dataset", version.path, "missing", version.sha256, "", used)
    try:
        datasets.load(ws, version.sha256)
    except credentials.KeyringUnavailable as exc:
        return FileState("dataset", version.path, f"unreadable: {exc}", version.sha256, "", used)
    except (WorkspaceError, BadInput):
        return FileState("dataset", version.path, "changed", version.sha256, "?", used)
    return FileState("dataset", version.path, "unchanged", version.sha256, version.sha256, used)


def problems(states: list[FileState]) -> list[FileState]:
    """The states an operator must look at: bytes that changed, or a workspace file gone.
    An ingested or input file that is gone from its landing folder is not one."""
    return [
        s
        for s in states
        if s.state == "changed"
        or (s.state == "missing" and s.kind not in ("input file", "ingested file"))
    ]
