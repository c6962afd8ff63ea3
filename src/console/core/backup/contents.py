"""What a snapshot holds: which files of a workspace, in which category.

Categories (``backup restore --only`` takes them): ``config`` (console.toml, the TLS
certificate), ``models`` (artifacts: model files, golden sets), ``datasets`` (dataset
versions), ``logs`` (the prediction and label log parts; per repository, they can be
large), ``docs`` (documentation, runbooks and any other file the workspace holds) and
``audit`` (the database: registry, audit log and everything else the console records,
copied with SQLite's online backup API, plus the audit checkpoints as JSON).

Never included: the repository itself or the backups folder, the console's own log
files, temporary files, and the TLS private key unless the repository asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

CATEGORIES: Final = ("config", "models", "datasets", "logs", "docs", "audit")
DATABASE: Final = "console.db"
CHECKPOINTS: Final = "audit-checkpoints.json"
_SKIP_SUFFIXES: Final = (".tmp", "-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Source:
    """One file to back up: its path in the snapshot and on disk, and its category."""

    name: str  # POSIX path relative to the workspace
    path: Path
    category: str
    size: int
    mtime_ns: int
    inode: int
    mode: int


def category_of(ws: Workspace, relative: str) -> str:
    first = relative.split("/", 1)[0]
    folders = {
        _first(ws, "artifacts"): "models",
        _first(ws, "datasets"): "datasets",
        _first(ws, "predictions"): "logs",
        _first(ws, "labels"): "logs",
        "tls": "config",
    }
    if relative == "console.toml":
        return "config"
    if relative in (DATABASE, CHECKPOINTS):
        return "audit"
    return folders.get(first, "docs")


def _first(ws: Workspace, name: str) -> str:
    return ws.relative(ws.folder(name)).split("/", 1)[0]


def workspace_files(
    ws: Workspace, *, include_logs: bool, include_tls_key: bool, exclude: list[Path]
) -> Iterator[Source]:
    """Every file a snapshot of ``ws`` copies (the database is added separately)."""
    root = ws.root
    skip_dirs = {p.resolve() for p in [ws.folder("backups"), root / "logs", *exclude]}
    outside = [ws.folder(n) for n in ("artifacts", "datasets", "predictions", "labels")]
    roots = [root] + [p for p in outside if not _inside(p, root)]
    for top in roots:
        for folder, dirs, files in os.walk(top):
            here = Path(folder)
            dirs[:] = sorted(
                d for d in dirs if (here / d).resolve() not in skip_dirs and not d.startswith(".")
            )
            for fname in sorted(files):
                if fname.startswith(".") or fname.endswith(_SKIP_SUFFIXES):
                    continue
                path = here / fname
                rel = _relative(ws, path)
                if rel == DATABASE:
                    continue
                category = category_of(ws, rel)
                if category == "logs" and not include_logs:
                    continue
                if rel.startswith("tls/") and rel.endswith(".key") and not include_tls_key:
                    continue
                try:
                    st = path.lstat()
                except FileNotFoundError:
                    continue  # removed while we walked
                if not path.is_file() or path.is_symlink():
                    continue
                yield Source(
                    rel, path, category, st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode & 0o777
                )


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _relative(ws: Workspace, path: Path) -> str:
    """A file's name in a snapshot: relative to the workspace, or its configured folder."""
    try:
        return path.relative_to(ws.root).as_posix()
    except ValueError:
        pass
    for name in ("artifacts", "datasets", "predictions", "labels"):
        base = ws.folder(name)
        try:
            return f"{name}/{path.relative_to(base).as_posix()}"
        except ValueError:
            continue
    raise ValueError(f"{path} is outside the workspace")


def check_name(name: str) -> str:
    """Refuse a snapshot path that would escape the restore folder."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts) or ":" in name:
        raise ValueError(f"unsafe path in snapshot: {name!r}")
    return name
