"""Migrations: numbered scripts, applied once, in order, under the write lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.core.base import db


def test_scripts_are_numbered_contiguously_and_split_cleanly() -> None:
    assert db.SCHEMA_VERSION == len(db.MIGRATIONS) >= 1
    for script in db.MIGRATIONS:
        for statement in db.statements(script):
            assert sqlite3.complete_statement(statement)


def test_statements_keep_triggers_whole() -> None:
    script = """
    -- a comment
    CREATE TABLE t (x);
    CREATE TRIGGER t_guard BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END;
    """
    parts = db.statements(script)
    assert len(parts) == 2
    assert parts[1].endswith("END;")
    with pytest.raises(RuntimeError, match="incomplete"):
        db.statements("CREATE TABLE u (x)")


def test_fresh_database_reaches_the_latest_version(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "x.db", create=True)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "audit", "batches", "parts", "jobs", "datasets", "models"} <= tables
    conn.close()
    again = db.connect(tmp_path / "x.db")  # reopening applies nothing twice
    assert again.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION
    again.close()


def test_failed_migration_leaves_the_old_version(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "x.db"
    db.connect(path, create=True).close()
    broken = [*db.MIGRATIONS, "CREATE TABLE extra (x); THIS IS NOT SQL;"]
    monkeypatch.setattr(db, "MIGRATIONS", broken)
    monkeypatch.setattr(db, "SCHEMA_VERSION", len(broken))
    with pytest.raises(db.WorkspaceError):
        db.connect(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(broken) - 1
    assert "extra" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
