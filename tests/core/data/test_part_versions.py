"""Each predictions part records, at ingest, how many of its rows each model version
scored; which version scored a day is then a query, not a read of the day's files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from console.core.base.workspace import Workspace
from console.core.data import ingest, store
from tests.conftest import make_predictions
from tests.core.data.test_ingest import PRED_COLUMNS

DAY = dt.date(2026, 11, 1)


def ingest_frame(ws: Workspace, tmp_path: Path, frame: pd.DataFrame, name: str) -> None:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    ingest.ingest_file(ws, "alice", "predictions", path)


def test_ingest_records_rows_per_version(workspace: Workspace, tmp_path: Path) -> None:
    frame = make_predictions(days=1, per_day=120)[PRED_COLUMNS]
    frame["model_version"] = ["1.0.0"] * 100 + ["1.1.0"] * (len(frame) - 100)
    ingest_frame(workspace, tmp_path, frame, "day.csv")
    stored = workspace.conn.execute(
        "SELECT versions FROM parts WHERE kind = 'predictions'"
    ).fetchall()
    rest = len(frame) - 100
    assert [r["versions"] for r in stored] == [f'{{"1.0.0": 100, "1.1.0": {rest}}}']
    assert store.versions_of_day(workspace, DAY) == {"1.0.0": 100, "1.1.0": rest}
    assert store.versions_of_day(workspace, DAY + dt.timedelta(days=1)) == {}


def test_a_feed_without_versions_says_nothing(workspace: Workspace, tmp_path: Path) -> None:
    ingest_frame(workspace, tmp_path, make_predictions(days=1, per_day=50)[PRED_COLUMNS], "a.csv")
    assert store.versions_of_day(workspace, DAY) == {}


def test_parts_from_before_the_counts_are_read_from_their_file(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = make_predictions(days=1, per_day=80)[PRED_COLUMNS]
    frame["model_version"] = "1.0.0"
    ingest_frame(workspace, tmp_path, frame, "old.csv")
    old = len(frame)
    with workspace.conn:  # as a workspace migrated from before the column existed
        workspace.conn.execute("UPDATE parts SET versions = NULL")
    assert store.versions_of_day(workspace, DAY) == {"1.0.0": old}

    def no_file_read(*_args: object) -> dict[str, int]:
        raise AssertionError("a part with recorded counts was read from its file")

    later = make_predictions(days=1, per_day=30, seed=7)[PRED_COLUMNS]
    later["model_version"] = "1.1.0"
    ingest_frame(workspace, tmp_path, later, "new.csv")
    store._file_versions.cache_clear()
    with workspace.conn:
        workspace.conn.execute(
            "UPDATE parts SET versions = ? WHERE versions IS NULL", (f'{{"1.0.0": {old}}}',)
        )
    monkeypatch.setattr(store, "_file_versions", no_file_read)
    assert store.versions_of_day(workspace, DAY) == {"1.0.0": old, "1.1.0": len(later)}
