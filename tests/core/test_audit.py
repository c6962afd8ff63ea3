"""The audit chain detects edits, deletions and reordering, and names the first bad entry."""

from __future__ import annotations

import itertools

import pytest

from console.core import audit
from console.core.db import write_transaction
from console.core.workspace import Workspace


@pytest.fixture
def chain(workspace: Workspace) -> Workspace:
    for name in ("bob", "carol", "dave", "erin"):
        workspace.set_role("alice", name, "operator")
    return workspace


def test_intact_chain_verifies(chain: Workspace) -> None:
    report = audit.verify(chain.conn)
    assert (report.ok, report.entries, report.first_bad) == (True, 5, None)


def test_entries_are_linked(chain: Workspace) -> None:
    entries = list(reversed(audit.entries(chain.conn)))
    assert entries[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash


def test_edited_entry_is_detected(chain: Workspace) -> None:
    chain.conn.execute("UPDATE audit SET user = 'mallory' WHERE seq = 3")
    report = audit.verify(chain.conn)
    assert (report.ok, report.first_bad) == (False, 3)
    assert "hash" in report.reason


def test_deleted_entry_is_detected(chain: Workspace) -> None:
    chain.conn.execute("DELETE FROM audit WHERE seq = 2")
    report = audit.verify(chain.conn)
    assert (report.ok, report.first_bad) == (False, 3)


def test_reordered_entries_are_detected(chain: Workspace) -> None:
    with write_transaction(chain.conn) as conn:
        conn.execute("UPDATE audit SET seq = -1 WHERE seq = 2")
        conn.execute("UPDATE audit SET seq = 2 WHERE seq = 3")
        conn.execute("UPDATE audit SET seq = 3 WHERE seq = -1")
    assert audit.verify(chain.conn).first_bad == 2


def test_recomputed_hash_still_breaks_the_link(chain: Workspace) -> None:
    """Forging one entry's hash does not help: the next entry points at the old one."""
    row = chain.conn.execute("SELECT * FROM audit WHERE seq = 2").fetchone()
    forged = audit._digest([row[n] if n != "user" else "mallory" for n in audit._HASHED])
    chain.conn.execute("UPDATE audit SET user = 'mallory', hash = ? WHERE seq = 2", (forged,))
    assert audit.verify(chain.conn).first_bad == 3


def test_filter_by_action(chain: Workspace) -> None:
    assert {e.action for e in audit.entries(chain.conn, action="user")} == {"user.set_role"}
    assert len(audit.entries(chain.conn, limit=2)) == 2
