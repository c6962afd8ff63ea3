"""Events published after commit, and the change feed that notices other processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from console.core.alerts import silences
from console.core.base import clock, db, events
from console.core.base.changes import ChangeFeed
from console.core.base.workspace import Workspace


@pytest.fixture(autouse=True)
def _no_listeners() -> Iterator[None]:
    events.clear()
    yield
    events.clear()


def record(name: str = "*") -> list[events.Event]:
    seen: list[events.Event] = []
    events.subscribe(name, seen.append)
    return seen


def test_an_audited_change_publishes_its_event_and_the_audit_entry(
    workspace: Workspace,
) -> None:
    seen = record()
    until = clock.now() + timedelta(hours=1)
    silences.silence(workspace, "alice", {"rule": "f1_*"}, until, "maintenance")
    names = [e.name for e in seen]
    assert names == ["audit_appended", "alerts_changed"]
    assert seen[0].details["action"] == "alert.silence"
    assert seen[1].workspace == str(workspace.root)


def test_events_wait_for_the_commit_and_a_rollback_drops_them(workspace: Workspace) -> None:
    seen = record()
    committed_rows: list[int] = []

    def reader(_event: events.Event) -> None:  # another connection sees the change
        other = db.connect(workspace.root / "console.db")
        committed_rows.append(other.execute("SELECT COUNT(*) FROM jobs").fetchone()[0])
        other.close()

    events.subscribe("job_finished", reader)
    conn = workspace.conn
    with db.write_transaction(conn):
        conn.execute(
            "INSERT INTO jobs (kind, user, params, started_at, state, finished_at) "
            "VALUES ('x', 'alice', '{}', 'now', 'done', 'now')"
        )
        events.after_commit(conn, "job_finished", job=1)
        assert seen == []
    assert [e.name for e in seen] == ["job_finished"]
    assert committed_rows == [1]

    def undone() -> None:
        with db.write_transaction(conn):
            events.after_commit(conn, "job_finished", job=2)
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        undone()
    assert len(seen) == 1


def test_the_feed_names_what_another_process_changed(workspace: Workspace) -> None:
    feed = ChangeFeed(workspace)
    seen = record("external_change")
    assert feed.poll() is None  # the first look takes the marks
    until = (clock.now() + timedelta(hours=1)).isoformat()
    code = (
        "import datetime as dt, sys\n"
        "from pathlib import Path\n"
        "from console.core.alerts import silences\n"
        "from console.core.base.workspace import Workspace\n"
        "ws = Workspace.open(Path(sys.argv[1]))\n"
        "silences.silence(ws, 'alice', {'rule': 'f1_*'}, dt.datetime.fromisoformat(sys.argv[2]),"
        " 'cron')\n"
    )
    subprocess.run([sys.executable, "-c", code, str(workspace.root), until], check=True)
    found = feed.poll()
    assert found is not None
    assert found.changed == ("alerts_changed", "audit_appended")
    assert found.actions == ("alert.silence",)
    assert [e.details["changed"] for e in seen] == [["alerts_changed", "audit_appended"]]
    assert feed.poll() is None  # nothing new since
    feed.close()


def test_the_feed_leaves_out_what_this_process_did(workspace: Workspace) -> None:
    feed = ChangeFeed(workspace)
    feed.poll()

    # a job thread of this process writes through its own connection
    def work() -> None:
        until = clock.now() + timedelta(hours=1)
        silences.silence(workspace, "alice", {"rule": "x"}, until, "ours")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert feed.poll() is None
    feed.close()
