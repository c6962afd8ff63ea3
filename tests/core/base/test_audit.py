"""The audit chain detects edits, deletions and reordering, and names the first bad entry."""

from __future__ import annotations

import itertools
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from console.core.base import audit
from console.core.base.db import write_transaction
from console.core.base.errors import JobCancelled
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.security import anchor, checkpoints, settings


@pytest.fixture
def chain(workspace: Workspace) -> Workspace:
    for name in ("bob", "carol", "dave", "erin"):
        workspace.set_role("alice", name, "operator")
    return workspace


def test_intact_chain_verifies(chain: Workspace) -> None:
    report = audit.verify(chain.conn)
    assert (report.ok, report.entries, report.first_bad) == (True, 5, None)


def test_verify_as_a_job_reports_progress_and_can_be_cancelled(
    chain: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "PROGRESS_EVERY", 2)
    seen: list[str] = []
    report = audit.verify(chain.conn, ctx=JobContext(lambda f, m: seen.append(m), min_interval=0))
    assert report.ok
    assert seen[:2] == ["Checking entry 2 of 5", "Checking entry 4 of 5"]
    assert seen[-1] == "Checking the signed checkpoints"
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        audit.verify(chain.conn, ctx=ctx)


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
    forged = audit._digest(
        [row[n] if n != "user" else "mallory" for n in audit._HASHED], row["os_user"]
    )
    chain.conn.execute("UPDATE audit SET user = 'mallory', hash = ? WHERE seq = 2", (forged,))
    assert audit.verify(chain.conn).first_bad == 3


def test_filter_by_action(chain: Workspace) -> None:
    assert {e.action for e in audit.entries(chain.conn, action="user")} == {"user.set_role"}
    assert len(audit.entries(chain.conn, limit=2)) == 2


# ---------------------------------------------------------------- signed checkpoints
EVERY = 4


@pytest.fixture
def signed(workspace: Workspace) -> Workspace:
    """A log of 11 entries with checkpoints every 4 (at 4 and 8), signed."""
    with write_transaction(workspace.conn) as conn:
        settings.put(conn, "checkpoint_every", str(EVERY))
    anchor.update(workspace.conn, accept=True)  # the edit above is not an audited change
    for i in range(10):
        workspace.set_role("alice", f"user{i}", "viewer")
    return workspace


def _rewrite_from(ws: Workspace, seq: int, **changes: str) -> None:
    """What an attacker with write access does: change entry ``seq`` and recompute
    every hash after it, so the chain itself is consistent again."""
    rows = ws.conn.execute("SELECT * FROM audit WHERE seq >= ? ORDER BY seq", (seq,)).fetchall()
    prev = ws.conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq - 1,)).fetchone()[0]
    with write_transaction(ws.conn) as conn:
        for row in rows:
            values = {n: row[n] for n in audit._HASHED} | (changes if row["seq"] == seq else {})
            values["prev_hash"] = prev
            prev = audit._digest([values[n] for n in audit._HASHED], row["os_user"])
            conn.execute(
                "UPDATE audit SET user = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (values["user"], values["prev_hash"], prev, row["seq"]),
            )


def test_checkpoints_are_signed_every_n_entries(signed: Workspace) -> None:
    rows = signed.conn.execute("SELECT seq, signature FROM audit_checkpoints").fetchall()
    assert [r["seq"] for r in rows] == [4, 8]
    assert all(r["signature"] for r in rows)
    report = audit.verify(signed.conn)
    assert (report.ok, report.entries, report.checkpoints, report.signed_checkpoints) == (
        True,
        11,
        2,
        2,
    )
    assert "newest 3 entries" in report.notes[0]
    service = settings.keyring_service(signed.conn)
    assert (service, checkpoints.SIGNING_KEY) in _memory()


def test_verify_needs_no_private_key(signed: Workspace) -> None:
    _memory().clear()
    assert audit.verify(signed.conn).ok


def test_truncated_log_is_detected(signed: Workspace) -> None:
    signed.conn.execute("DELETE FROM audit WHERE seq >= 7")
    report = audit.verify(signed.conn)
    assert (report.ok, report.first_bad) == (False, 7)
    assert "truncated" in report.reason


def test_truncation_with_its_checkpoints_is_detected(signed: Workspace) -> None:
    signed.conn.execute("DELETE FROM audit WHERE seq >= 10")
    signed.conn.execute("DELETE FROM audit_checkpoints WHERE seq >= 10")
    report = audit.verify(signed.conn)  # cut after the last checkpoint: the signed head shows
    assert (report.ok, report.first_bad) == (False, 10)
    assert "entries 10..11 were cut off" in report.reason
    signed.conn.execute("DELETE FROM audit_checkpoints")
    report = audit.verify(signed.conn)
    assert (report.ok, report.first_bad) == (False, 4)
    assert "checkpoint is missing" in report.reason


def test_whole_log_deleted_is_detected(signed: Workspace) -> None:
    signed.conn.execute("DELETE FROM audit")
    assert not audit.verify(signed.conn).ok


def test_rewritten_chain_fails_its_checkpoint(signed: Workspace) -> None:
    _rewrite_from(signed, 3, user="mallory")
    report = audit.verify(signed.conn)
    assert (report.ok, report.first_bad) == (False, 4)
    assert "rewritten" in report.reason


def test_forged_checkpoint_signature_is_detected(signed: Workspace) -> None:
    _rewrite_from(signed, 3, user="mallory")
    new_hash = signed.conn.execute("SELECT hash FROM audit WHERE seq = 4").fetchone()[0]
    signed.conn.execute("UPDATE audit_checkpoints SET hash = ? WHERE seq = 4", (new_hash,))
    report = audit.verify(signed.conn)
    assert (report.ok, report.first_bad) == (False, 4)
    assert "signature" in report.reason
    signed.conn.execute("UPDATE audit_checkpoints SET signature = NULL WHERE seq = 4")
    assert "unsigned" in audit.verify(signed.conn).reason


def test_unsigned_checkpoints_without_a_keyring(workspace_root: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    workspace = Workspace.create(workspace_root, "alice")
    with write_transaction(workspace.conn) as conn:
        settings.put(conn, "checkpoint_every", "2")
    workspace.set_role("alice", "bob", "viewer")
    row = workspace.conn.execute("SELECT * FROM audit_checkpoints").fetchone()
    assert (row["seq"], row["signature"]) == (2, None)
    report = audit.verify(workspace.conn)
    assert report.ok
    assert report.status == "unprotected"
    assert "NOT tamper-evident" in report.summary()
    assert any("unsigned" in note for note in report.notes)


def test_entries_filter_and_search(signed: Workspace) -> None:
    assert [e.target for e in audit.entries(signed.conn, search="USER3")] == ["user3"]
    assert len(audit.entries(signed.conn, user="alice", action="user")) == 10
    assert audit.entries(signed.conn, outcome="denied") == []
    first = audit.entries(signed.conn)[-1]
    assert audit.entries(signed.conn, until=first.ts, search="workspace") == []


def _memory() -> dict[tuple[str, str], str]:
    """The secrets of the in-memory keyring tests/conftest.py installs."""
    secrets: dict[tuple[str, str], str] = keyring.get_keyring().secrets  # type: ignore[attr-defined]
    return secrets


def test_every_entry_records_the_os_user(workspace: Workspace, monkeypatch) -> None:
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "svc-console")
    workspace.set_role("alice", "bob", "viewer")
    entry = audit.entries(workspace.conn, limit=1)[0]
    assert (entry.user, entry.os_user) == ("alice", "svc-console")
    assert audit.verify(workspace.conn).ok
    workspace.conn.execute("UPDATE audit SET os_user = 'someone' WHERE seq = ?", (entry.seq,))
    assert audit.verify(workspace.conn).first_bad == entry.seq  # covered by the hash
