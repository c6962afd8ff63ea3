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
    path: str  # on disk (a string: building Paths for thousands of files costs)
    category: str
    size: int
    mtime_ns: int
    inode: int
    mode: int


def _categories(ws: Workspace) -> dict[str, str]:
    """First path component of a snapshot name -> category."""
    return {
        _first(ws, "artifacts"): "models",
        _first(ws, "datasets"): "datasets",
        _first(ws, "predictions"): "logs",
        _first(ws, "labels"): "logs",
        "tls": "config",
    }


def _first(ws: Workspace, name: str) -> str:
    folder = ws.folder(name)
    if not _inside(folder, ws.root):
        return name  # outside the workspace: named by its setting in the snapshot
    return ws.relative(folder).split("/", 1)[0]


def workspace_files(
    ws: Workspace, *, include_logs: bool, include_tls_key: bool, exclude: list[Path]
) -> Iterator[Source]:
    """Every file a snapshot of ``ws`` copies (the database is added separately)."""
    root = ws.root
    skip = {str(p.resolve()) for p in [ws.folder("backups"), root / "logs", *exclude]}
    folders = _categories(ws)
    tops = [(str(root), "")]
    for name in ("artifacts", "datasets", "predictions", "labels"):
        folder = ws.folder(name)
        if not _inside(folder, root):
            tops.append((str(folder), name + "/"))
    for top, prefix in tops:
        yield from _walk(
            top, prefix, skip=skip, folders=folders, include_logs=include_logs,
            include_tls_key=include_tls_key,
        )  # fmt: skip


def _walk(
    folder: str,
    prefix: str,
    *,
    skip: set[str],
    folders: dict[str, str],
    include_logs: bool,
    include_tls_key: bool,
) -> Iterator[Source]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            if os.path.realpath(entry.path) not in skip:
                yield from _walk(
                    entry.path, rel + "/", skip=skip, folders=folders,
                    include_logs=include_logs, include_tls_key=include_tls_key,
                )  # fmt: skip
            continue
        if not entry.is_file(follow_symlinks=False) or entry.name.endswith(_SKIP_SUFFIXES):
            continue
        if rel in (DATABASE, CHECKPOINTS):
            continue
        category = category_of(rel, folders)
        if category == "logs" and not include_logs:
            continue
        if rel.startswith("tls/") and rel.endswith(".key") and not include_tls_key:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # removed while we walked
        yield Source(
            rel, entry.path, category, st.st_size, st.st_mtime_ns, st.st_ino,
            st.st_mode & 0o777,
        )  # fmt: skip


def category_of(relative: str, folders: dict[str, str]) -> str:
    if relative == "console.toml":
        return "config"
    return folders.get(relative.split("/", 1)[0], "docs")


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def check_name(name: str) -> str:
    """Refuse a snapshot path that would escape the restore folder."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts) or ":" in name:
        raise ValueError(f"unsafe path in snapshot: {name!r}")
    return name
