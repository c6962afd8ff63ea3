"""Checks on data that is not from today: two months of labelled predictions from the
start of the year, checked in December, are checked on their newest day; the lack of
recent data is a finding of its own; nothing says "no predictions are stored yet"."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from console.cli import main
from console.core.base.workspace import Workspace
from console.core.data import datasets
from console.core.monitoring import checks, performance
from tests.conftest import make_predictions
from tests.core.monitoring_helpers import ingest_frame

NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
FIRST, LAST = "2026-01-01", "2026-03-01"  # 59 days: January and February


@pytest.fixture
def backfilled(workspace: Workspace) -> Workspace:
    frame = make_predictions(days=59, per_day=1000, seed=8, start=FIRST)
    ingest_frame(workspace, "predictions", frame.drop(columns=["is_fraud"]), "backfill:pred")
    labels = pd.DataFrame(
        {
            "transaction_id": frame["transaction_id"],
            "label": frame["is_fraud"].astype("int64"),
            "labelled_at": frame["ts"] + pd.Timedelta(hours=30),
        }
    )
    ingest_frame(workspace, "labels", labels, "backfill:labels")
    return workspace


def test_daily_checks_use_the_newest_day_of_the_data(backfilled: Workspace) -> None:
    report = checks.run_daily_checks(backfilled, "alice", now=NOW)
    by_name = {c.name: c for c in report.checks}
    assert not [c.name for c in report.checks if "no predictions are stored yet" in c.explanation]
    f1 = by_name["f1"]
    assert f1.status != "no_data", f1.explanation
    assert f1.window == "2026-02-28"
    assert f1.n is not None
    assert f1.n > 900
    assert "[newest data: 2026-02-28, 276 days old]" in f1.explanation
    quality = by_name["missing_values"]
    assert quality.status != "no_data", quality.explanation
    assert quality.window == "2026-02-28"
    recency = by_name["data_recency"]
    assert recency.status == "warning"
    assert recency.value == 276
    assert recency.explanation.startswith(
        "no recent data: the newest predictions are from 2026-02-28"
    )
    assert by_name["volume"].window == "2026-02-28"


def test_recent_data_is_checked_as_before(backfilled: Workspace) -> None:
    report = checks.run_daily_checks(
        backfilled, "alice", now=dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    )
    by_name = {c.name: c for c in report.checks}
    assert by_name["data_recency"].status == "ok"
    assert "newest data" not in by_name["f1"].explanation


def test_an_empty_store_says_so(workspace: Workspace) -> None:
    report = checks.run_daily_checks(workspace, "alice", now=NOW)
    by_name = {c.name: c for c in report.checks}
    assert by_name["f1"].explanation == "no predictions are stored yet"
    assert by_name["data_recency"].status == "no_data"


def test_metrics_json_counts_are_integers_and_label_delay_needs_labelled_at(
    backfilled: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["-w", str(backfilled.root), "metrics", "--json", "--start", "2026-02-01"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    row = doc["windows"][0]
    for key in ("n", "labelled", "tp", "fp", "fn", "tn"):
        assert isinstance(row[key], int), key
    assert row["label_delay_h"] == pytest.approx(30.0)
    # labels without labelled_at: the time of ingest would be months late; not reported
    more = make_predictions(days=2, per_day=300, seed=9, start="2026-03-05")
    ingest_frame(backfilled, "predictions", more.drop(columns=["is_fraud"]), "more:pred")
    plain = pd.DataFrame(
        {"transaction_id": more["transaction_id"], "label": more["is_fraud"].astype("int64")}
    )
    ingest_frame(backfilled, "labels", plain, "more:labels")
    table = performance.windowed_metrics(backfilled, start=dt.date(2026, 2, 27))
    rows = {r["window"][:10]: r for r in table.rows()}
    assert rows["2026-03-05"]["labelled"] == rows["2026-03-05"]["n"] > 200
    assert rows["2026-03-05"]["label_delay_h"] is None
    assert rows["2026-02-27"]["label_delay_h"] == pytest.approx(30.0)


def test_metrics_segments_are_sorted(backfilled: Workspace) -> None:
    tables = performance.segment_metrics(backfilled, start=dt.date(2026, 2, 1))
    for table in tables.values():
        labels = [r["window"] for r in table.rows()]
        assert labels == sorted(
            labels, key=lambda v: performance.segment_order(v, missing=v == "(missing)")
        )
        assert labels == sorted(labels) or any(v.replace(".", "").isdigit() for v in labels)


def test_drift_check_runs_on_the_newest_day(backfilled: Workspace) -> None:
    datasets.list_versions(backfilled)  # no production model: the check says why, not "no data"
    report = checks.run_daily_checks(backfilled, "alice", now=NOW)
    drift = next(c for c in report.checks if c.name == "data_drift")
    assert "no predictions" not in drift.explanation
