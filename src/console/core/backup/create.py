"""Make a snapshot: chunk, dedup, seal and store a workspace, then record it.

Files are cut by content-defined chunking (FastCDC), so an edit in a large file changes
only the chunks around it; a chunk already in the repository (from any file of any
snapshot) is not stored again. A file whose size, modification time and inode equal the
previous snapshot's is not read at all: its chunk list is taken over, which makes a
backup with nothing changed cost about the database copy. The database is copied with
SQLite's online backup API, so the copy is consistent while the console and the scoring
service write.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console import __version__
from console.core.backup import contents, records
from console.core.backup.contents import Source
from console.core.backup.repository import PACK_TARGET, Repository
from console.core.base import clock, db, events
from console.core.base.crash import crash_point
from console.core.base.errors import JobCancelled
from console.core.base.jobs import JobContext

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class CreateOptions:
    include_logs: bool = True
    include_tls_key: bool = False
    note: str = ""


class _PackBuffer:
    """Sealed chunks waiting to be written as one pack (about 16 MiB)."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.blobs: list[tuple[str, bytes]] = []
        self.size = 0
        self.packs: dict[str, list[list[Any]]] = {}
        self.pending: set[str] = set()
        self.added_bytes = 0
        self.added_chunks = 0

    def add(self, cid: str, data: bytes) -> None:
        blob = self.repo.seal(data, b"chunk" + bytes.fromhex(cid))
        self.blobs.append((cid, blob))
        self.pending.add(cid)
        self.size += len(blob)
        self.added_bytes += len(blob)
        self.added_chunks += 1
        if self.size >= PACK_TARGET:
            self.flush()

    def flush(self) -> None:
        if self.blobs:
            name, entries = self.repo.write_pack(self.blobs)
            self.packs[name] = entries
            self.blobs, self.size = [], 0
            crash_point("backup.pack_written")


def copy_database(ws: Workspace, target: Path) -> dict[str, Any]:
    """A consistent copy of the workspace database; returns its schema version and audit head."""
    dst = sqlite3.connect(target)
    try:
        src = sqlite3.connect(ws.root / "console.db", timeout=30.0)
        try:
            src.backup(dst)
        finally:
            src.close()
        dst.row_factory = sqlite3.Row
        version = int(dst.execute("PRAGMA user_version").fetchone()[0])
        head = dst.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        try:
            from console.core.security import checkpoints

            exported = checkpoints.exported(dst, root=ws.root)  # with the signed head
        except sqlite3.DatabaseError:
            exported = {}
    finally:
        dst.close()
    return {
        "schema_version": version,
        "audit_head": dict(head) if head else {"seq": 0, "hash": ""},
        "checkpoints": exported,
    }


def _chunks_of(path: str, cfg: dict[str, Any]) -> Any:
    import fastcdc

    if os.stat(path).st_size == 0:
        return iter(())
    return fastcdc.fastcdc(
        path, min_size=cfg["min"], avg_size=cfg["avg"], max_size=cfg["max"], fat=True
    )


def create_snapshot(
    ws: Workspace,
    user: str,
    repo: Repository,
    *,
    options: CreateOptions | None = None,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Back up ``ws`` into ``repo`` (role: operator); returns the snapshot summary.

    A failure is recorded (the ``backup_failed`` check reads it) and re-raised.
    """
    opts = options or CreateOptions()
    ctx = ctx or JobContext()
    ws.authorize(user, "backup.create", str(repo.path))
    try:
        with repo.locked("create"):
            record = _build(ws, user, repo, opts, ctx)
    except JobCancelled:
        raise
    except Exception as exc:
        records.record_failed(ws, user, repo.id, str(repo.path), action="backup.create", exc=exc)
        raise
    summary = records.record_created(ws, user, repo, record)
    events.publish("backup_verified", ws, snapshot=record["id"], state="created")
    return summary


def _build(
    ws: Workspace, user: str, repo: Repository, opts: CreateOptions, ctx: JobContext
) -> dict[str, Any]:
    ctx.progress(0.0, "Reading the repository index")
    index = repo.index(reload=True)
    parent = _parent(ws, repo)
    cache = {f["n"]: f for f in parent["files"]} if parent else {}
    exclude = [repo.path]
    sources = list(
        contents.workspace_files(
            ws,
            include_logs=opts.include_logs,
            include_tls_key=opts.include_tls_key,
            exclude=exclude,
        )
    )
    buffer = _PackBuffer(repo)
    with tempfile.TemporaryDirectory(prefix="console-backup-") as tmp:
        ctx.progress(0.01, "Copying the database")
        dbfile = Path(tmp) / contents.DATABASE
        meta = copy_database(ws, dbfile)
        cpfile = Path(tmp) / contents.CHECKPOINTS
        cpfile.write_text(json.dumps(meta.pop("checkpoints"), indent=1), encoding="utf-8")
        for extra, name in ((dbfile, contents.DATABASE), (cpfile, contents.CHECKPOINTS)):
            st = extra.stat()
            sources.append(Source(name, str(extra), "audit", st.st_size, 0, 0, 0o600))
        total = max(sum(s.size for s in sources), 1)
        done = 0
        files: list[dict[str, Any]] = []
        for source in sources:
            entry = {
                "n": source.name,
                "c": source.category,
                "s": source.size,
                "m": source.mtime_ns,
                "i": source.inode,
                "x": source.mode,
            }
            old = cache.get(source.name)
            if (
                old is not None
                and source.mtime_ns
                and (old["s"], old["m"], old["i"]) == (source.size, source.mtime_ns, source.inode)
                and all(k in index for k in old["k"])
            ):
                entry["k"] = old["k"]
            else:
                base = done

                def report(n: int, base: int = base, name: str = source.name) -> None:
                    ctx.progress(0.02 + 0.93 * (base + n) / total, f"Backing up {name}")

                stored = _store_file(buffer, source, index, report)
                if stored is None:
                    continue
                entry["k"], entry["s"] = stored
            files.append(entry)
            done += source.size
            ctx.progress(0.02 + 0.93 * done / total, f"Backing up {source.name}")
        buffer.flush()
    ctx.progress(0.96, "Writing the index")
    if buffer.packs:
        repo.write_index(buffer.packs)
        crash_point("backup.index_written")
    record = _record(ws, user, opts=opts, meta=meta, files=files, parent=parent, buffer=buffer)
    ctx.progress(0.98, "Writing the snapshot record")
    record["id"] = repo.write_snapshot(record)  # last: only now is the snapshot listed
    crash_point("backup.snapshot_written")
    repo.forget_index_cache()
    ctx.progress(1.0, f"Snapshot {record['id'][:8]} stored")
    return record


def _store_file(
    buffer: _PackBuffer, source: Source, index: dict[str, Any], progress: Callable[[int], None]
) -> tuple[list[str], int] | None:
    """Chunk ids and size of ``source`` as read now; None if it vanished meanwhile."""
    ids: list[str] = []
    size = 0
    try:
        for chunk in _chunks_of(source.path, buffer.repo.config["chunker"]):
            data = bytes(chunk.data)
            cid = buffer.repo.chunk_id(data)
            if cid not in index and cid not in buffer.pending:
                buffer.add(cid, data)
            ids.append(cid)
            size += len(data)
            progress(size)
    except FileNotFoundError:
        return None  # removed while the backup ran: left out, like restic's "vanished"
    return ids, size


def _record(
    ws: Workspace,
    user: str,
    *,
    opts: CreateOptions,
    meta: dict[str, Any],
    files: list[dict[str, Any]],
    parent: dict[str, Any] | None,
    buffer: _PackBuffer,
) -> dict[str, Any]:
    from console.core.security import settings as security_settings

    by_category: dict[str, dict[str, int]] = {}
    for f in files:
        slot = by_category.setdefault(f["c"], {"files": 0, "bytes": 0})
        slot["files"] += 1
        slot["bytes"] += f["s"]
    return {
        "version": SNAPSHOT_VERSION,
        "time": clock.iso(),
        "host": socket.gethostname(),
        "user": user,
        "workspace": str(ws.root),
        "workspace_id": security_settings.workspace_id(ws.conn),
        "console_version": __version__,
        "schema_version": meta["schema_version"],
        "audit_head": meta["audit_head"],
        "options": {
            "include_logs": opts.include_logs,
            "include_tls_key": opts.include_tls_key,
            "note": opts.note,
        },
        "parent": parent["id"] if parent else None,
        "summary": {
            "files": len(files),
            "bytes": sum(f["s"] for f in files),
            "added_bytes": buffer.added_bytes,
            "added_chunks": buffer.added_chunks,
            "contents": by_category,
        },
        "files": files,
    }


def _parent(ws: Workspace, repo: Repository) -> dict[str, Any] | None:
    """The newest snapshot of this workspace on this host (its files are the cache)."""
    from console.core.security import settings as security_settings

    wid = security_settings.workspace_id(ws.conn)
    newest: dict[str, Any] | None = None
    for name in repo.names("snapshots"):
        try:
            rec = repo.read_snapshot(name)
        except Exception:  # a damaged record is verify's business, not a reason to fail
            continue
        if rec.get("workspace_id") != wid or rec.get("workspace") != str(ws.root):
            continue
        if newest is None or rec["time"] > newest["time"]:
            newest = rec
    return newest


def schema_supported(version: int) -> bool:
    return version <= db.SCHEMA_VERSION


def mode_bits(mode: int) -> int:
    return mode & 0o777 if mode else 0o644
