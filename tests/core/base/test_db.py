"""Migrations: numbered scripts, applied once, in order, under the write lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.core.base import db


def test_scripts_are_numbered_uniquely_and_split_cleanly() -> None:
    assert db.SCHEMA_VERSION == max(db.MIGRATIONS) >= 1
    for script in db.MIGRATIONS.values():
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
    broken = {**db.MIGRATIONS, db.SCHEMA_VERSION + 1: "CREATE TABLE extra (x); NOT SQL;"}
    monkeypatch.setattr(db, "MIGRATIONS", broken)
    monkeypatch.setattr(db, "SCHEMA_VERSION", db.SCHEMA_VERSION + 1)
    with pytest.raises(db.WorkspaceError):
        db.connect(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.SCHEMA_VERSION - 1
    assert "extra" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()


def test_a_lower_number_that_arrives_later_is_still_applied(tmp_path: Path, monkeypatch) -> None:
    """Scripts are numbered up front; one with a gap below it may land first."""
    path = tmp_path / "x.db"
    top = db.SCHEMA_VERSION
    later = {n: s for n, s in db.MIGRATIONS.items() if n != top}
    later[top + 5] = "CREATE TABLE high (x);"
    monkeypatch.setattr(db, "MIGRATIONS", later)
    monkeypatch.setattr(db, "SCHEMA_VERSION", top + 5)
    db.connect(path, create=True).close()
    monkeypatch.setattr(db, "MIGRATIONS", {**later, top: db._load_migrations()[top]})
    conn = db.connect(path)
    applied = [r[0] for r in conn.execute("SELECT number FROM schema_migrations ORDER BY number")]
    assert applied == sorted([*later, top])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == top + 5
    conn.close()


def test_a_database_from_before_the_ledger_is_not_migrated_twice(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db.connect(path, create=True).close()
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE schema_migrations")
    raw.close()
    conn = db.connect(path)  # all count as applied: rerunning any would fail (tables exist)
    applied = {r[0] for r in conn.execute("SELECT number FROM schema_migrations")}
    assert applied == set(db.MIGRATIONS)
    conn.close()
