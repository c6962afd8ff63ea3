"""Files a crashed ingest left behind, swept when a workspace opens.

An ingest writes its Parquet parts under their final names and makes them visible in
one transaction that records them in ``parts``. A crash (or ``kill -9``) between the
two leaves *orphans*: part files no row names, invisible to every reader but taking
disk. So do the temporary files of an interrupted atomic write and the rows the
scoring service spooled for an ingest that never ran.

A file is an orphan only when it is older than the longest possible ingest
(``[limits] max_ingest_minutes``): an ingest refuses to commit past that limit, and the
sweep decides under the database's write lock, so it can never remove a part that a
slow ingest in another process is about to record. Every sweep that removed something
is an audit entry (``store.sweep``: how many files and bytes, and which), which is how
``console status`` and the Data page report the last one.
"""

from __future__ import annotations

import getpass
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base import audit, db
from console.core.base.crash import crash_point

if TYPE_CHECKING:
    import sqlite3

    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)

ACTION = "store.sweep"
KINDS = ("predictions", "labels")
SPOOL = "spool"
#: paths named in the audit entry at most (the counts are always complete)
LISTED = 20


@dataclass
class SweepResult:
    """What one sweep removed, and what it left because it may still be in use."""

    removed: list[Path] = field(default_factory=list)
    removed_bytes: int = 0
    young: int = 0  # unrecorded files younger than the limit: maybe an ingest running now
    young_bytes: int = 0

    def as_dict(self, root: Path | None = None) -> dict[str, Any]:
        def shown(path: Path) -> str:
            return str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)

        return {
            "files": len(self.removed),
            "bytes": self.removed_bytes,
            "paths": [shown(p) for p in self.removed[:LISTED]],
            "young_files": self.young,
            "young_bytes": self.young_bytes,
        }


def max_age_seconds(ws: Workspace) -> float:
    """The longest an ingest may take from its first part to its commit."""
    return float(ws.config.limits.max_ingest_minutes) * 60.0


def _candidates(ws: Workspace) -> list[Path]:
    """Every file an ingest could have left: parts, temporary files, spooled rows."""
    files: list[Path] = []
    for kind in KINDS:
        folder = ws.folder(kind)
        if folder.exists():
            files += folder.rglob("*.parquet")
            files += folder.rglob(".*.tmp")
    spool = ws.root / SPOOL
    if spool.exists():
        files += spool.glob("*.parquet")
    return files


def _recorded(conn: sqlite3.Connection, ws: Workspace) -> set[Path]:
    return {ws.root / r["path"] for r in conn.execute("SELECT path FROM parts")}


def _size(path: Path) -> tuple[float, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:  # removed meanwhile (a finished ingest's spool file)
        return None
    return st.st_mtime, st.st_size


def sweep(ws: Workspace, *, older_than: float | None = None, user: str = "") -> SweepResult:
    """Remove orphans older than ``older_than`` seconds (default: the ingest limit).

    A cheap scan first; only when it finds a candidate does the sweep take the write
    lock, read ``parts`` again and remove what is still unrecorded, then audit it.
    """
    limit = max_age_seconds(ws) if older_than is None else older_than
    result = SweepResult()
    recorded = _recorded(ws.conn, ws)
    cutoff = time.time() - limit
    old: list[Path] = []
    for path in _candidates(ws):
        if path in recorded:
            continue
        stat = _size(path)
        if stat is None:
            continue
        if stat[0] < cutoff:
            old.append(path)
        else:
            result.young += 1
            result.young_bytes += stat[1]
    if not old:
        return result
    with db.write_transaction(ws.conn) as conn:
        recorded = _recorded(conn, ws)  # an ingest may have committed since the scan
        cutoff = time.time() - limit
        for path in old:
            stat = _size(path)
            if path in recorded or stat is None or stat[0] >= cutoff:
                continue
            path.unlink(missing_ok=True)
            result.removed.append(path)
            result.removed_bytes += stat[1]
            crash_point("store.sweep")
        if result.removed:
            who = user or getpass.getuser()
            audit.append(
                conn,
                user=who,
                role=ws.role_of(who),
                action=ACTION,
                target="orphaned parts",
                details=result.as_dict(ws.root),
            )
    if result.removed:
        log.warning(
            "swept %d orphaned file(s), %d bytes, left by interrupted ingests",
            len(result.removed),
            result.removed_bytes,
        )
    return result


def last_sweep(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The newest sweep that removed something: when, by whom, how many files/bytes."""
    row = conn.execute(
        "SELECT seq, ts, user, details FROM audit WHERE action = ? ORDER BY seq DESC LIMIT 1",
        (ACTION,),
    ).fetchone()
    if row is None:
        return None
    details = json.loads(row["details"])
    return {
        "seq": row["seq"],
        "ts": row["ts"],
        "user": row["user"],
        "files": int(details.get("files", 0)),
        "bytes": int(details.get("bytes", 0)),
    }


def report(ws: Workspace) -> dict[str, Any]:
    """For ``console status`` and the Data page: what the sweep at open removed, the last
    sweep that removed anything, and the unrecorded files it kept because they are young."""
    return {
        "swept_now": ws.swept.as_dict(ws.root),
        "last_sweep": last_sweep(ws.conn),
        "max_ingest_minutes": ws.config.limits.max_ingest_minutes,
    }


def describe(report: dict[str, Any]) -> str:
    """One line of :func:`report`."""
    now, last = report["swept_now"], report["last_sweep"]
    if now["files"]:
        text = f"swept {now['files']} file(s), {_megabytes(now['bytes'])} left by crashed ingests"
    elif last:
        when = str(last["ts"])[:16].replace("T", " ")
        text = (
            f"none now; last sweep {when} removed {last['files']} file(s), "
            f"{_megabytes(last['bytes'])}"
        )
    else:
        text = "none"
    if now["young_files"]:
        text += (
            f"; {now['young_files']} unrecorded file(s) younger than "
            f"{report['max_ingest_minutes']:g} min kept (an ingest may be running)"
        )
    return text


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"
