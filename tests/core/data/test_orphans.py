"""Parts a crashed ingest left are swept when the workspace next opens, and reported."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from console import cli
from console.core.base import audit, orphans
from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.data import ingest, store
from tests.conftest import make_predictions
from tests.core.data.test_ingest import predictions_csv


def leave_orphans(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Ingest a file whose commit 'crashes' after the parts are written."""

    def crash(*args: object, **kwargs: object) -> int:
        raise SystemExit("killed")  # not an Exception: no failure bookkeeping runs

    monkeypatch.setattr(ingest, "_commit", crash)
    with pytest.raises(SystemExit):
        ingest.ingest_file(
            ws, "alice", "predictions", predictions_csv(tmp_path, make_predictions())
        )
    monkeypatch.undo()
    parts = list(ws.folder("predictions").rglob("*.parquet"))
    assert parts
    return parts


def age(paths: list[Path], seconds: float) -> None:
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


def test_open_sweeps_old_orphans_and_audits_it(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = leave_orphans(workspace, tmp_path, monkeypatch)
    spooled = workspace.root / "spool" / "abc.parquet"
    spooled.parent.mkdir(exist_ok=True)
    spooled.write_bytes(b"x" * 10)
    tmp = parts[0].parent / ".x.parquet.abc.tmp"
    tmp.write_bytes(b"y" * 5)
    age([*parts, spooled, tmp], 61 * 60)  # older than max_ingest_minutes (60)
    size = sum(p.stat().st_size for p in [*parts, spooled, tmp])
    workspace.close()
    with Workspace.open(workspace.root) as again:
        assert sorted(again.swept.removed) == sorted([*parts, spooled, tmp])
        assert again.swept.removed_bytes == size
        assert not any(p.exists() for p in [*parts, spooled, tmp])
        entry = audit.entries(again.conn, action="store.sweep")[0]
        assert entry.details["files"] == len(parts) + 2
        assert entry.details["bytes"] == size
        assert audit.verify(again.conn).ok
        last = orphans.last_sweep(again.conn)
        assert last is not None
        assert last["files"] == len(parts) + 2
    with Workspace.open(workspace.root) as third:  # nothing left: nothing swept, no entry
        assert third.swept.removed == []
        assert len(audit.entries(third.conn, action="store.sweep")) == 1


def test_young_orphans_are_kept_and_counted(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = leave_orphans(workspace, tmp_path, monkeypatch)
    age(parts, 59 * 60)  # an ingest may still be running
    workspace.close()
    with Workspace.open(workspace.root) as again:
        assert again.swept.removed == []
        assert again.swept.young == len(parts)
        assert all(p.exists() for p in parts)
        assert "younger than 60 min kept" in orphans.describe(orphans.report(again))


def test_recorded_parts_are_never_swept(workspace: Workspace, tmp_path: Path) -> None:
    csv = predictions_csv(tmp_path, make_predictions())
    rows = ingest.ingest_file(workspace, "alice", "predictions", csv).rows
    parts = store.part_paths(workspace, "predictions")
    age(parts, 10 * 24 * 3600)
    assert store.sweep_orphans(workspace) == []
    assert store.read(workspace, "predictions").num_rows == rows


def test_an_ingest_slower_than_the_limit_is_refused(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is what makes the sweep safe: no commit can come after it."""
    monkeypatch.setattr(orphans, "max_age_seconds", lambda ws: 0.0)  # any ingest is too slow
    with pytest.raises(BadInput, match=r"longer than limits\.max_ingest_minutes"):
        ingest.ingest_file(
            workspace, "alice", "predictions", predictions_csv(tmp_path, make_predictions())
        )
    assert store.summary(workspace.conn).predictions == 0
    assert list(workspace.folder("predictions").rglob("*.parquet")) == []


def test_status_reports_the_sweep(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    parts = leave_orphans(workspace, tmp_path, monkeypatch)
    age(parts, 2 * 3600)
    workspace.close()
    assert cli.main(["-w", str(workspace.root), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["orphans"]
    assert report["swept_now"]["files"] == len(parts)
    assert report["last_sweep"]["files"] == len(parts)
    assert cli.main(["-w", str(workspace.root), "status"]) == 0
    out = capsys.readouterr().out
    assert "Orphans:     none now; last sweep" in out
    assert f"removed {len(parts)} file(s)" in out
