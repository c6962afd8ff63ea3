"""The workspace's security settings (a key/value table written by migration 6).

``workspace_id`` names the workspace in the OS keyring, so two workspaces on one
machine never share a secret; the other keys are switches an admin changes.
"""

from __future__ import annotations

import sqlite3

KEYRING_PREFIX = "model-ops-console"


def get(conn: sqlite3.Connection, key: str, default: str = "") -> str:
    row = conn.execute("SELECT value FROM security_settings WHERE key = ?", (key,)).fetchone()
    return str(row["value"]) if row else default


def put(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Set ``key``; the caller holds the write transaction (and audits the change)."""
    conn.execute(
        "INSERT INTO security_settings (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def workspace_id(conn: sqlite3.Connection) -> str:
    value = get(conn, "workspace_id")
    if not value:  # written by the migration; absent only if someone deleted it
        raise RuntimeError("security_settings.workspace_id is missing")
    return value


def keyring_service(conn: sqlite3.Connection) -> str:
    """The keyring service name of this workspace's secrets."""
    return f"{KEYRING_PREFIX}:{workspace_id(conn)}"


def flag(conn: sqlite3.Connection, key: str) -> bool:
    return get(conn, key, "0") == "1"
