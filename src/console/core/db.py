"""The workspace's SQLite database: WAL, versioned migrations, write transactions.

Metadata only (batches, parts, users, audit, jobs, models, datasets); the prediction
log itself lives in Parquet parts that a row in ``parts`` makes visible once complete.
Every write goes through :func:`write_transaction` (``BEGIN IMMEDIATE``), so two
console processes on one workspace serialise their changes instead of corrupting them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from console.core.errors import WorkspaceError

# Each entry upgrades the schema by one version. Never edit a released entry: add one.
MIGRATIONS: list[str] = [
    # 1: foundation
    """
    CREATE TABLE users (
        name        TEXT PRIMARY KEY,
        role        TEXT NOT NULL CHECK (role IN ('viewer','operator','auditor','admin')),
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL
    );
    CREATE TABLE audit (
        seq         INTEGER PRIMARY KEY,
        ts          TEXT NOT NULL,
        user        TEXT NOT NULL,
        role        TEXT NOT NULL,
        action      TEXT NOT NULL,
        target      TEXT NOT NULL,
        outcome     TEXT NOT NULL CHECK (outcome IN ('ok','denied','refused')),
        details     TEXT NOT NULL,
        prev_hash   TEXT NOT NULL,
        hash        TEXT NOT NULL UNIQUE
    );
    CREATE TABLE batches (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('predictions','labels')),
        source      TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        rows        INTEGER NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT NOT NULL,
        outcome     TEXT NOT NULL
                    CHECK (outcome IN ('ok','refused','duplicate','cancelled','failed')),
        message     TEXT NOT NULL DEFAULT '',
        problems    TEXT NOT NULL DEFAULT '[]',
        user        TEXT NOT NULL,
        ts_min      TEXT,
        ts_max      TEXT
    );
    CREATE INDEX batches_sha ON batches (kind, sha256, outcome);
    CREATE TABLE parts (
        id          INTEGER PRIMARY KEY,
        batch_id    INTEGER NOT NULL REFERENCES batches(id),
        kind        TEXT NOT NULL CHECK (kind IN ('predictions','labels')),
        day         TEXT NOT NULL,
        path        TEXT NOT NULL UNIQUE,
        rows        INTEGER NOT NULL,
        sha256      TEXT NOT NULL
    );
    CREATE INDEX parts_kind_day ON parts (kind, day);
    CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        user        TEXT NOT NULL,
        params      TEXT NOT NULL DEFAULT '{}',
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        state       TEXT NOT NULL CHECK (state IN ('running','done','failed','cancelled')),
        message     TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE datasets (
        sha256      TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        path        TEXT NOT NULL,
        rows        INTEGER NOT NULL,
        columns     TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        parent      TEXT REFERENCES datasets(sha256),
        transform   TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE models (
        version     TEXT PRIMARY KEY,
        stage       TEXT NOT NULL CHECK (stage IN ('production','candidate','archived')),
        sha256      TEXT NOT NULL,
        path        TEXT NOT NULL,
        trusted     TEXT NOT NULL,
        threshold   REAL NOT NULL,
        features    TEXT NOT NULL,
        metrics     TEXT NOT NULL,
        dataset     TEXT REFERENCES datasets(sha256),
        notes       TEXT NOT NULL,
        author      TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE UNIQUE INDEX one_production ON models (stage) WHERE stage = 'production';
    """,
]
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
            for statement in MIGRATIONS[number].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
