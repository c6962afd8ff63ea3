"""Ingest: good files land once; every kind of bad file is refused whole, naming
file, line and column, and the store is left exactly as it was."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from console.core.base import audit
from console.core.base.errors import BadInput, JobCancelled, PermissionDenied
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.data import ingest, store
from tests.conftest import make_predictions

PRED_COLUMNS = [
    "transaction_id",
    "ts",
    "amount",
    "merchant_category",
    "hour",
    "country",
    "channel",
    "card_age_days",
    "distance_from_home_km",
    "tx_velocity_24h",
    "is_new_merchant",
    "amount_vs_avg",
    "score",
    "decision",
]


@pytest.fixture
def frame() -> pd.DataFrame:
    return make_predictions(days=2, per_day=150)


def write_csv(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def predictions_csv(tmp_path: Path, frame: pd.DataFrame, name: str = "pred.csv") -> Path:
    return write_csv(tmp_path / name, frame[PRED_COLUMNS])


def labels_csv(tmp_path: Path, frame: pd.DataFrame, name: str = "labels.csv") -> Path:
    labels = frame[["transaction_id"]].assign(label=frame["is_fraud"].astype(int))
    return write_csv(tmp_path / name, labels)


def snapshot(ws: Workspace) -> dict[str, Any]:
    """Everything a refused file must not change."""
    files = sorted(
        str(p.relative_to(ws.root))
        for kind in store.KINDS
        for p in ws.folder(kind).rglob("*")
        if p.is_file()
    )
    ok_audit = [e.seq for e in audit.entries(ws.conn) if e.outcome == "ok"]
    return {
        "summary": store.summary(ws.conn).predictions,
        "labels": store.summary(ws.conn).labels,
        "parts": ws.conn.execute("SELECT COUNT(*) FROM parts").fetchone()[0],
        "files": files,
        "ok_audit": ok_audit,
    }


# ---------------------------------------------------------------------- good input
def test_predictions_then_labels_round_trip(workspace: Workspace, tmp_path: Path, frame) -> None:
    result = ingest.ingest_file(workspace, "alice", "predictions", predictions_csv(tmp_path, frame))
    assert (result.outcome, result.rows) == ("ok", len(frame))
    stored = store.read(workspace, "predictions").to_pandas()
    assert list(stored.columns) == [*PRED_COLUMNS, "model_version", "latency_ms"]
    assert stored["model_version"].isna().all()  # optional columns the file did not carry
    assert stored["transaction_id"].tolist() == frame["transaction_id"].tolist()
    np.testing.assert_allclose(stored["amount"], frame["amount"], rtol=1e-12)
    assert stored["ts"].dt.tz is not None
    assert (stored["ts"] == frame["ts"]).all()
    # missing values are kept as missing (data quality reads them later)
    assert (
        stored["distance_from_home_km"].isna().sum() == frame["distance_from_home_km"].isna().sum()
    )

    labels = ingest.ingest_file(workspace, "alice", "labels", labels_csv(tmp_path, frame))
    assert labels.rows == len(frame)
    summary = store.summary(workspace.conn)
    assert (summary.predictions, summary.labels, summary.label_coverage) == (
        len(frame),
        len(frame),
        1.0,
    )
    assert summary.first_ts.startswith("2026-11-01")
    assert summary.last_ts.startswith("2026-11-02")
    # one part per day, one batch each, audited
    assert store.daily_counts(workspace.conn)["predictions"].keys() == {"2026-11-01", "2026-11-02"}
    entry = audit.entries(workspace.conn, action="ingest")[0]
    assert entry.details["rows"] == len(frame)
    assert audit.verify(workspace.conn).ok


def test_parquet_input(workspace: Workspace, tmp_path: Path, frame) -> None:
    path = tmp_path / "pred.parquet"
    frame[PRED_COLUMNS].to_parquet(path)
    assert ingest.ingest_file(workspace, "alice", "predictions", path).rows == len(frame)
    table = store.read(workspace, "predictions")
    assert table.schema.field("decision").type == pa.int8()


def test_labels_arriving_later_and_in_pieces(workspace: Workspace, tmp_path: Path, frame) -> None:
    ingest.ingest_file(workspace, "alice", "predictions", predictions_csv(tmp_path, frame))
    first, later = frame.iloc[:100], frame.iloc[100:]
    ingest.ingest_file(workspace, "alice", "labels", labels_csv(tmp_path, first, "l1.csv"))
    assert store.summary(workspace.conn).label_coverage == pytest.approx(100 / len(frame))
    confirmed = later[["transaction_id"]].assign(
        label=later["is_fraud"], labelled_at="2026-11-20T08:00:00Z"
    )
    ingest.ingest_file(workspace, "alice", "labels", write_csv(tmp_path / "l2.csv", confirmed))
    labels = store.read(workspace, "labels").to_pandas()
    assert len(labels) == len(frame)
    late = labels[labels["transaction_id"].isin(later["transaction_id"])]
    assert (late["labelled_at"] == pd.Timestamp("2026-11-20T08:00:00Z")).all()


def test_same_file_twice_adds_nothing(workspace: Workspace, tmp_path: Path, frame) -> None:
    path = predictions_csv(tmp_path, frame)
    ingest.ingest_file(workspace, "alice", "predictions", path)
    before = snapshot(workspace)
    again = ingest.ingest_file(workspace, "alice", "predictions", path)
    assert again.outcome == "duplicate"
    assert "nothing added" in again.message
    after = snapshot(workspace)
    assert after["summary"] == before["summary"]
    assert after["files"] == before["files"]
    assert [b.outcome for b in ingest.batches(workspace)] == ["duplicate", "ok"]


def test_timestamps_with_offsets_and_without(workspace: Workspace, tmp_path: Path, frame) -> None:
    data = frame[PRED_COLUMNS].head(3).copy().astype({"ts": str})
    data["ts"] = ["2026-11-01T10:00:00Z", "2026-11-01T12:00:00+02:00", "2026-11-01 10:00:00"]
    ingest.ingest_file(workspace, "alice", "predictions", write_csv(tmp_path / "t.csv", data))
    stored = store.read(workspace, "predictions").column("ts").to_pylist()
    assert len({t.isoformat() for t in stored}) == 1


# ---------------------------------------------------------------------- bad input
def _refused(ws: Workspace, kind: str, path: Path) -> BadInput:
    before = snapshot(ws)
    with pytest.raises(BadInput) as err:
        ingest.ingest_file(ws, "alice", kind, path)
    assert snapshot(ws) == before, "a refused file changed the store"
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    batch = ingest.batches(ws, 1)[0]
    assert (batch.outcome, batch.rows, batch.message) == ("refused", 0, message)
    assert audit.entries(ws.conn, limit=1)[0].outcome == "refused"
    return err.value


def _cell(frame: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    bad = frame[PRED_COLUMNS].copy().astype({column: object})
    bad.iloc[row, bad.columns.get_loc(column)] = value
    return bad


@pytest.mark.parametrize(
    "case",
    [
        ("amount", "abc", "line 5, column 'amount': 'abc' is not a number"),
        ("hour", "1.5", "line 5, column 'hour': '1.5' is not an integer"),
        ("amount", "NaN", "line 5, column 'amount': NaN is not allowed"),
        ("amount", "inf", "line 5, column 'amount': inf is not a finite number"),
        ("score", "-inf", "line 5, column 'score': -inf is not a finite number"),
        ("score", "NaN", "line 5, column 'score': NaN is not allowed"),
        ("score", "1.5", "line 5, column 'score': 1.5 is outside [0, 1]"),
        ("score", "", "line 5, column 'score': missing score"),
        ("decision", "2", "line 5, column 'decision': 2 must be 0 or 1"),
        ("ts", "yesterday", "line 5, column 'ts': 'yesterday' is not an ISO-8601 timestamp"),
        ("ts", "", "line 5, column 'ts': missing timestamp"),
        ("transaction_id", "", "line 5, column 'transaction_id': empty id"),
    ],
)
def test_bad_cell_is_named(workspace: Workspace, tmp_path: Path, frame, case) -> None:
    column, value, expected = case
    path = write_csv(tmp_path / "bad.csv", _cell(frame, 3, column, value))
    err = _refused(workspace, "predictions", path)
    assert str(err).startswith(f"{path}: {expected}")


def test_many_problems_are_listed_up_to_the_limit(
    workspace: Workspace, tmp_path: Path, frame
) -> None:
    bad = frame[PRED_COLUMNS].copy().astype({"amount": object})
    bad.loc[bad.index[:30], "amount"] = "x"
    err = _refused(workspace, "predictions", write_csv(tmp_path / "bad.csv", bad))
    assert "(and 29 more problems)" in str(err)
    assert len(err.problems) == 21  # 20 listed (limits.max_problems_reported) + "... and 10 more"
    assert err.problems[-1] == "... and 10 more problems"
    assert ingest.batches(workspace, 1)[0].problems == err.problems


def test_missing_and_extra_columns(workspace: Workspace, tmp_path: Path, frame) -> None:
    data = frame[PRED_COLUMNS].drop(columns=["amount"]).assign(colour="red")
    err = _refused(workspace, "predictions", write_csv(tmp_path / "cols.csv", data))
    assert "missing column(s): amount" in str(err)
    assert "unexpected column(s): colour" in str(err)


def test_malformed_csv_row(workspace: Workspace, tmp_path: Path, frame) -> None:
    path = predictions_csv(tmp_path, frame)
    lines = path.read_text().splitlines()
    lines[6] = lines[6] + ",extra,fields"
    path.write_text("\n".join(lines) + "\n")
    err = _refused(workspace, "predictions", path)
    assert "line 7: 16 fields, expected 14" in str(err)


def test_duplicate_ids_in_file(workspace: Workspace, tmp_path: Path, frame) -> None:
    data = frame[PRED_COLUMNS].copy()
    data.iloc[10, 0] = data.iloc[2, 0]
    err = _refused(workspace, "predictions", write_csv(tmp_path / "dup.csv", data))
    assert f"line 12, column 'transaction_id': duplicate id {data.iloc[2, 0]!r}" in str(err)


def test_ids_already_stored(workspace: Workspace, tmp_path: Path, frame) -> None:
    ingest.ingest_file(
        workspace, "alice", "predictions", predictions_csv(tmp_path, frame.iloc[:50])
    )
    overlap = predictions_csv(tmp_path, frame.iloc[40:60], "overlap.csv")
    err = _refused(workspace, "predictions", overlap)
    assert "line 2, column 'transaction_id'" in str(err)
    assert "was already ingested (and 9 more problems)" in str(err)


def test_empty_file_and_header_only(workspace: Workspace, tmp_path: Path, frame) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert str(_refused(workspace, "predictions", empty)) == f"{empty}: file is empty"
    header = write_csv(tmp_path / "header.csv", frame[PRED_COLUMNS].head(0))
    assert str(_refused(workspace, "predictions", header)) == f"{header}: no data rows"


def test_label_for_unknown_id_and_relabel(workspace: Workspace, tmp_path: Path, frame) -> None:
    ingest.ingest_file(workspace, "alice", "predictions", predictions_csv(tmp_path, frame))
    unknown = pd.DataFrame({"transaction_id": ["tx-nope"], "label": [1]})
    err = _refused(workspace, "labels", write_csv(tmp_path / "u.csv", unknown))
    assert "line 2, column 'transaction_id': label for unknown id 'tx-nope'" in str(err)
    ingest.ingest_file(workspace, "alice", "labels", labels_csv(tmp_path, frame.iloc[:5]))
    again = labels_csv(tmp_path, frame.iloc[3:8], "again.csv")
    assert "already has a label" in str(_refused(workspace, "labels", again))


def test_bad_label_values(workspace: Workspace, tmp_path: Path, frame) -> None:
    ingest.ingest_file(workspace, "alice", "predictions", predictions_csv(tmp_path, frame))
    labels = frame[["transaction_id"]].head(3).assign(label=[0, 7, 1])
    err = _refused(workspace, "labels", write_csv(tmp_path / "l.csv", labels))
    assert "line 3, column 'label': 7 must be 0 or 1" in str(err)


def test_parquet_wrong_type_and_corrupt(workspace: Workspace, tmp_path: Path, frame) -> None:
    data = frame[PRED_COLUMNS].copy().astype({"amount": str})
    data.loc[data.index[3], "amount"] = "abc"
    path = tmp_path / "typed.parquet"
    data.to_parquet(path)
    message = str(_refused(workspace, "predictions", path))
    assert message.startswith(f"{path}: row 4, column 'amount': 'abc' is not a number")
    data = frame[PRED_COLUMNS].copy().assign(amount=True)
    data.to_parquet(path)
    assert "column 'amount' has type bool" in str(_refused(workspace, "predictions", path))
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1" + os.urandom(200))
    assert "not a readable Parquet file" in str(_refused(workspace, "predictions", corrupt))


def test_parquet_nan_is_refused_with_row(workspace: Workspace, tmp_path: Path, frame) -> None:
    data = frame[PRED_COLUMNS].copy()
    data.loc[data.index[4], "score"] = np.nan
    path = tmp_path / "nan.parquet"
    table = pa.Table.from_pandas(data, preserve_index=False)
    score = pa.array(data["score"].to_numpy(), pa.float64(), from_pandas=False)  # NaN, not null
    pq.write_table(table.set_column(table.schema.get_field_index("score"), "score", score), path)
    err = _refused(workspace, "predictions", path)
    assert "row 5, column 'score': NaN is not allowed" in str(err)


def test_not_utf8_and_unsupported_type(workspace: Workspace, tmp_path: Path) -> None:
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8 text" in str(_refused(workspace, "predictions", binary))
    excel = tmp_path / "book.xlsx"
    excel.write_bytes(b"PK")
    assert "unsupported file type '.xlsx'" in str(_refused(workspace, "predictions", excel))
    missing = tmp_path / "nowhere.csv"
    assert str(_refused(workspace, "predictions", missing)) == f"{missing}: file not found"


def test_viewer_may_not_ingest(workspace: Workspace, tmp_path: Path, frame) -> None:
    before = snapshot(workspace)
    with pytest.raises(PermissionDenied, match="bob \\(viewer\\) may not ingest"):
        ingest.ingest_file(workspace, "bob", "predictions", predictions_csv(tmp_path, frame))
    assert snapshot(workspace) == before
    assert audit.entries(workspace.conn, limit=1)[0].outcome == "denied"


def test_cancelled_ingest_leaves_nothing(workspace: Workspace, tmp_path: Path, frame) -> None:
    before = snapshot(workspace)
    ctx = JobContext()

    def cancel_when_writing(fraction: float, message: str) -> None:
        if message == "Writing parts":
            ctx.cancel()

    ctx._on_progress = cancel_when_writing
    ctx._min_interval = 0
    with pytest.raises(JobCancelled):
        ingest.ingest_file(workspace, "alice", "predictions", predictions_csv(tmp_path, frame), ctx)
    assert snapshot(workspace) == before
    assert ingest.batches(workspace, 1)[0].outcome == "cancelled"


def test_crash_before_commit_leaves_invisible_orphans(
    workspace: Workspace, tmp_path: Path, frame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts written but never recorded are invisible, and the sweep removes them."""

    def crash(*args: object, **kwargs: object) -> int:
        raise OSError("disk vanished")

    monkeypatch.setattr(ingest, "_commit", crash)
    monkeypatch.setattr(ingest.ingest_file.__globals__["_Batch"], "record_failure", lambda *a: None)
    with pytest.raises(OSError, match="disk vanished"):
        ingest.ingest_file(workspace, "alice", "predictions", predictions_csv(tmp_path, frame))
    orphans = list(workspace.folder("predictions").rglob("*.parquet"))
    assert orphans, "the crash should have left written parts behind"
    assert store.summary(workspace.conn).predictions == 0
    assert store.read(workspace, "predictions").num_rows == 0
    assert store.sweep_orphans(workspace) == []  # too young: may belong to another process
    assert sorted(store.sweep_orphans(workspace, older_than=-1)) == sorted(orphans)


def test_parquet_nanosecond_timestamps_are_accepted(
    workspace: Workspace, tmp_path: Path, frame
) -> None:
    data = frame[PRED_COLUMNS].copy()
    data["ts"] = data["ts"].dt.as_unit("ns") + pd.Timedelta(nanoseconds=123)
    path = tmp_path / "ns.parquet"
    data.to_parquet(path)
    assert ingest.ingest_file(workspace, "alice", "predictions", path).rows == len(frame)
    stored = store.read(workspace, "predictions").column("ts").to_pandas()
    assert (stored == frame["ts"].dt.floor("us")).all()


def test_model_version_and_latency_are_kept(workspace: Workspace, tmp_path: Path, frame) -> None:
    data = frame[PRED_COLUMNS].assign(model_version="1.2.0", latency_ms=1.5)
    ingest.ingest_file(workspace, "alice", "predictions", write_csv(tmp_path / "v.csv", data))
    stored = store.read(workspace, "predictions", ["model_version", "latency_ms"]).to_pandas()
    assert (stored["model_version"] == "1.2.0").all()
    assert (stored["latency_ms"] == 1.5).all()


def test_negative_latency_is_refused(workspace: Workspace, tmp_path: Path, frame) -> None:
    data = frame[PRED_COLUMNS].assign(latency_ms=1.0)
    data.loc[data.index[2], "latency_ms"] = -3.0
    err = _refused(workspace, "predictions", write_csv(tmp_path / "lat.csv", data))
    assert "line 4, column 'latency_ms': -3.0 is negative" in str(err)


def test_in_process_rows_take_the_same_path(workspace: Workspace, frame) -> None:
    table = pa.Table.from_pandas(frame[PRED_COLUMNS].assign(model_version="1.0.0", latency_ms=2.0))
    result = ingest.ingest_table(workspace, "alice", "predictions", table, source="service:8700")
    assert (result.outcome, result.rows, result.source) == ("ok", len(frame), "service:8700")
    assert list((workspace.root / "spool").iterdir()) == []
    bad = table.set_column(
        table.schema.get_field_index("score"), "score", pa.array([2.0] * len(frame))
    )
    with pytest.raises(BadInput, match=r"^service:8700: row 1, column 'score': 2\.0 is outside"):
        ingest.ingest_table(workspace, "alice", "predictions", bad, source="service:8700")
    assert store.summary(workspace.conn).predictions == len(frame)
