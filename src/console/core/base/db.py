"""The workspace's SQLite database: WAL, versioned migrations, write transactions.

Metadata only (batches, parts, users, audit, jobs, models, datasets); the prediction
log itself lives in Parquet parts that a row in ``parts`` makes visible once complete.
Every write goes through :func:`write_transaction` (``BEGIN IMMEDIATE``), so two
console processes on one workspace serialise their changes instead of corrupting them.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from console.core.base import events
from console.core.base.errors import WorkspaceError


def _load_migrations() -> dict[int, str]:
    """The SQL scripts in ``console/core/base/migrations`` by number (``NNNN_name.sql``).

    Each file upgrades the schema by one step. Never edit a released file: add one.
    Numbers are unique but may have gaps: parts of the console developed side by side
    take their numbers up front, and a workspace records which scripts it has applied
    (``schema_migrations``), so a lower number that arrives later is still applied.
    """
    folder = resources.files("console.core.base.migrations")
    scripts: dict[int, str] = {}
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if not file.name.endswith(".sql"):
            continue
        match = re.match(r"^(\d{4})_[a-z0-9_]+\.sql$", file.name)
        if not match:
            raise RuntimeError(f"migration {file.name} is not named NNNN_name.sql")
        number = int(match.group(1))
        if number in scripts or number == 0:
            raise RuntimeError(f"migration number {number:04d} is used twice (or is 0)")
        scripts[number] = file.read_text(encoding="utf-8")
    return scripts


def statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers included)."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise RuntimeError(f"incomplete SQL statement: {buffer.strip()[:60]}")
    return out


MIGRATIONS: dict[int, str] = _load_migrations()
SCHEMA_VERSION = max(MIGRATIONS)


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """Open the workspace database and bring its schema up to date.

    Refuses a database written by a newer console (its schema version is higher than
    ours) instead of guessing at tables it does not know.
    """
    if not create and not path.exists():
        raise WorkspaceError(f"{path}: workspace database not found")
    try:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        _migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        raise WorkspaceError(f"{path}: not a usable workspace database: {exc}") from None
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"{path}: workspace schema version {version} is newer than this console "
            f"supports ({SCHEMA_VERSION}); upgrade the console"
        )
    if version == SCHEMA_VERSION and _has_ledger(conn) and not _pending(conn, version):
        return
    with write_transaction(conn):
        # Re-read inside the lock: another process may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        pending = _pending(conn, version)
        if not _has_ledger(conn):
            conn.execute(
                "CREATE TABLE schema_migrations"
                " (number INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT '')"
            )
            conn.executemany(
                "INSERT INTO schema_migrations (number) VALUES (?)",
                [(n,) for n in MIGRATIONS if n not in pending],
            )
        for number in pending:
            for statement in statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (number, applied_at)"
                " VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (number,),
            )
            version = max(version, number)
            conn.execute(f"PRAGMA user_version = {version}")


def _pending(conn: sqlite3.Connection, version: int) -> list[int]:
    """Scripts not applied yet, in number order. A database from before
    ``schema_migrations`` applied every script up to its ``user_version``."""
    if _has_ledger(conn):
        applied = {int(r[0]) for r in conn.execute("SELECT number FROM schema_migrations")}
    else:
        applied = {n for n in MIGRATIONS if n <= version}
    return sorted(n for n in MIGRATIONS if n not in applied)


def _has_ledger(conn: sqlite3.Connection) -> bool:
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    return found is not None


CommitHook = Callable[[sqlite3.Connection], None]
_commit_hooks: dict[int, CommitHook] = {}
_marked: set[int] = set()


def set_commit_hook(conn: sqlite3.Connection, hook: CommitHook | None) -> None:
    """Run ``hook(conn)`` after a write transaction on ``conn`` that was marked with
    :func:`mark_for_hook` commits (the audit log anchors its head this way)."""
    if hook is None:
        _commit_hooks.pop(id(conn), None)
        _marked.discard(id(conn))
    else:
        _commit_hooks[id(conn)] = hook


def mark_for_hook(conn: sqlite3.Connection) -> None:
    _marked.add(id(conn))


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any exception. Then the commit
    hook if the transaction was marked for it (the audit head is anchored), and the
    events announced with :func:`events.after_commit` inside go out."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        _marked.discard(id(conn))
        conn.execute("ROLLBACK")
        events.rolled_back(conn)
        raise
    conn.execute("COMMIT")
    if id(conn) in _marked:
        _marked.discard(id(conn))
        hook = _commit_hooks.get(id(conn))
        if hook is not None:
            hook(conn)
    events.committed(conn)
