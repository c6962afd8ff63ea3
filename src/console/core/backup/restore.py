"""Restore a snapshot into a new folder: built beside it, checked, then renamed into place.

Every chunk is authenticated as it is read; a damaged or missing chunk stops nothing
from being checked but keeps everything from being written: the restore is refused and
names the files it could not restore. A snapshot made by a console with a newer
database schema (or a newer snapshot format) is refused before anything is written.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from console.core.backup import contents
from console.core.backup.repository import Location, Repository, RepositoryError
from console.core.base import db
from console.core.base.errors import BadInput
from console.core.base.files import fsync_dir
from console.core.base.jobs import JobContext

SNAPSHOT_VERSION = 1
WRITERS = 4  # files written at once: creating many small files waits on the file system
#: files of a snapshot that describe it but are not part of a workspace
NOT_RESTORED = frozenset({contents.CHECKPOINTS})


class RestoreRefused(BadInput):
    """Some files could not be restored (damaged or missing data); nothing was written."""

    def __init__(self, snapshot: str, files: list[str], reasons: list[str]) -> None:
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        super().__init__(
            f"snapshot {snapshot[:8]}: refused, {len(files)} file(s) could not be restored "
            f"({shown}): {reasons[0]}",
            problems=[f"{f}: {r}" for f, r in zip(files, reasons, strict=False)],
        )
        self.files = files


def check_restorable(record: dict[str, Any]) -> None:
    """Refuse a snapshot this console cannot restore faithfully."""
    name = record["id"][:8]
    if int(record.get("version", 1)) > SNAPSHOT_VERSION:
        raise BadInput(
            f"snapshot {name}: snapshot format {record['version']} is newer than this console "
            f"supports ({SNAPSHOT_VERSION}); upgrade the console"
        )
    version = int(record.get("schema_version") or 0)
    if version > db.SCHEMA_VERSION:
        raise BadInput(
            f"snapshot {name}: its database schema version {version} is newer than this "
            f"console supports ({db.SCHEMA_VERSION}); upgrade the console to restore it"
        )


def selected_files(record: dict[str, Any], only: list[str] | None) -> list[dict[str, Any]]:
    if only:
        unknown = [c for c in only if c not in contents.CATEGORIES]
        if unknown:
            raise BadInput(f"--only {unknown[0]}: not one of {', '.join(contents.CATEGORIES)}")
    files = [f for f in record["files"] if f["n"] not in NOT_RESTORED]
    return [f for f in files if not only or f["c"] in only]


def write_files(
    repo: Repository,
    record: dict[str, Any],
    files: list[dict[str, Any]],
    folder: Path,
    ctx: JobContext,
    *,
    span: tuple[float, float] = (0.0, 0.9),
) -> None:
    """Write ``files`` under ``folder`` (a fresh staging folder); refuse damaged data."""
    total = max(sum(f["s"] for f in files), 1)
    done = 0
    failed: list[str] = []
    reasons: list[str] = []
    index = repo.index(reload=True)
    written: list[Path] = []
    with repo.pack_reader() as read, ThreadPoolExecutor(WRITERS, "restore") as pool:
        jobs = {pool.submit(_write_one, read, index, f, folder): f for f in files}
        try:
            for job in as_completed(jobs):
                f = jobs[job]
                error = job.result()
                if error:
                    failed.append(f["n"])
                    reasons.append(error)
                else:
                    written.append(folder / f["n"])
                done += f["s"]
                ctx.progress(span[0] + (span[1] - span[0]) * done / total, f["n"])
        except BaseException:
            for job in jobs:
                job.cancel()
            raise
    if failed:
        order = sorted(range(len(failed)), key=lambda i: failed[i])
        raise RestoreRefused(record["id"], [failed[i] for i in order], [reasons[i] for i in order])
    durable(folder, written)


def _write_one(
    read: Callable[[str, Location | None], bytes],
    index: dict[str, Location],
    f: dict[str, Any],
    folder: Path,
) -> str:
    """Write one file of a snapshot; '' when done, else why it could not be restored."""
    name = contents.check_name(f["n"])
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("wb") as out:
            for cid in f["k"]:
                out.write(read(cid, index.get(cid)))
        if target.stat().st_size != f["s"]:
            raise RepositoryError(f"{name}: restored size differs from the recorded size")
    except RepositoryError as exc:
        target.unlink(missing_ok=True)
        return str(exc)
    os.chmod(target, f["x"] or 0o644)
    if f["m"]:
        os.utime(target, ns=(f["m"], f["m"]))
    return ""


def durable(folder: Path, files: list[Path]) -> None:
    """Everything written under ``folder`` reaches the disk before it is renamed into
    place: one ``syncfs`` of its file system on Linux, else an fsync per file."""
    synced = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = os.open(folder, os.O_RDONLY)
            try:
                synced = int(libc.syncfs(fd)) == 0
            finally:
                os.close(fd)
        except (OSError, AttributeError):
            synced = False
    if not synced:
        for path in files:
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        for sub, _dirs, _files in os.walk(folder):
            fsync_dir(Path(sub))


def check_database(folder: Path) -> None:
    """The restored database opens, passes SQLite's integrity check and migrates."""
    path = folder / contents.DATABASE
    if not path.exists():
        return
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if result != "ok":
        raise BadInput(f"{path.name}: the restored database fails its integrity check: {result}")
    db.connect(path).close()  # brings an older schema up to date, refuses a newer one


def restore_to(
    repo: Repository,
    snapshot: str,
    target: Path,
    *,
    only: list[str] | None = None,
    ctx: JobContext | None = None,
    authorize: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Restore ``snapshot`` into ``target`` (absent or an empty folder); returns a summary.

    ``authorize`` (given the record) runs before anything is written: role check/audit.
    """
    ctx = ctx or JobContext()
    target = target.expanduser().resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BadInput(f"{target}: already exists and is not an empty folder")
    record = repo.read_snapshot(repo.resolve(snapshot))
    check_restorable(record)
    files = selected_files(record, only)
    if authorize:
        authorize(record)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.restoring-", dir=target.parent))
    except OSError as exc:
        raise BadInput(f"{target.parent}: cannot write there ({exc.strerror})") from None
    try:
        write_files(repo, record, files, staging, ctx)
        ctx.progress(0.92, "Checking the restored database")
        check_database(staging)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
        fsync_dir(target.parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BadInput(f"{target}: cannot write the restored files ({exc.strerror})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    ctx.progress(1.0, f"Restored into {target}")
    return {
        "snapshot": record["id"],
        "target": str(target),
        "files": len(files),
        "bytes": sum(f["s"] for f in files),
        "only": only or [],
    }
