"""The workspace's SQLite database: WAL, versioned migrations, write transactions.

Metadata only (batches, parts, users, audit, jobs, models, datasets); the prediction
log itself lives in Parquet parts that a row in ``parts`` makes visible once complete.
Every write goes through :func:`write_transaction` (``BEGIN IMMEDIATE``), so two
console processes on one workspace serialise their changes instead of corrupting them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from console.core.base.errors import WorkspaceError


def _load_migrations() -> list[str]:
    """The SQL scripts in ``console/core/base/migrations``, ``0001_*.sql`` upwards.

    Each file upgrades the schema by one version. Never edit a released file: add one.
    Numbers must be contiguous (a test checks it).
    """
    folder = resources.files("console.core.base.migrations")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    for number, file in enumerate(files, start=1):
        if not file.name.startswith(f"{number:04d}_"):
            raise RuntimeError(f"migration {file.name} is out of sequence (expected {number:04d})")
    return [f.read_text(encoding="utf-8") for f in files]


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


MIGRATIONS: list[str] = _load_migrations()
SCHEMA_VERSION = len(MIGRATIONS)


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
    if version == SCHEMA_VERSION:
        return
    with write_transaction(conn):
        # Re-read inside the lock: another process may have migrated meanwhile.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version, SCHEMA_VERSION):
            for statement in statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")


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
    """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any exception; then the commit
    hook if the transaction was marked for it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        _marked.discard(id(conn))
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    if id(conn) in _marked:
        _marked.discard(id(conn))
        hook = _commit_hooks.get(id(conn))
        if hook is not None:
            hook(conn)
