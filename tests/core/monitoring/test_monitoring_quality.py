"""Data quality per window and pipeline health, against the training data's profile."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.data import ingest
from console.core.monitoring import quality
from console.core.monitoring.quality import Profile
from tests.conftest import make_predictions
from tests.core.monitoring_helpers import at, fill, ingest_frame


def test_missing_share_per_window_and_feature(workspace: Workspace) -> None:
    frame = fill(workspace, days=2, per_day=300)
    table = quality.quality_table(workspace, window="day")
    j = table.features.index("distance_from_home_km")
    first = frame[frame["ts"].dt.date == dt.date(2026, 11, 1)]
    assert table.missing[0, j] == pytest.approx(first["distance_from_home_km"].isna().mean())
    assert table.missing[0, table.features.index("amount")] == 0
    assert not table.has_profile
    assert np.isnan(table.out_of_range).all()
    assert table.duplicate_ids == 0


def test_out_of_range_and_unseen_against_the_profile(workspace: Workspace, monkeypatch) -> None:
    frame = fill(workspace, days=1, per_day=300)
    profile = Profile(
        ranges={"amount": (0.0, float(frame["amount"].median()))},
        categories={"channel": {"online", "pos"}},
    )
    monkeypatch.setattr(quality, "training_profile", lambda ws: profile)
    table = quality.quality_table(workspace)
    a, c = table.features.index("amount"), table.features.index("channel")
    assert table.out_of_range[0, a] == pytest.approx(
        (frame["amount"] > frame["amount"].median()).mean()
    )
    assert table.unseen[0, c] == pytest.approx((~frame["channel"].isin(["online", "pos"])).mean())
    assert table.as_dict()["windows"][0]["unseen"]["channel"] == pytest.approx(table.unseen[0, c])


def test_profile_comes_from_the_production_models_dataset(workspace: Workspace) -> None:
    assert quality.training_profile(workspace) is None  # no model yet


def test_pipeline_health_counts_refused_batches(workspace: Workspace, tmp_path) -> None:
    fill(workspace, days=2, per_day=100)
    bad = tmp_path / "bad.csv"
    bad.write_text("transaction_id,label\nnope,7\n")
    with pytest.raises(BadInput):
        ingest.ingest_file(workspace, "alice", "labels", bad)
    health = quality.pipeline_health(workspace, dt.datetime.now(dt.UTC))
    assert health.refused_24h == 1
    assert "bad.csv" in health.refused_messages[0]
    assert health.hours_since_ingest is not None
    assert health.hours_since_ingest < 1
    assert sorted(health.day_rows) == ["2026-11-01", "2026-11-02"]


def test_a_part_with_the_wrong_schema_is_a_violation(workspace: Workspace) -> None:
    fill(workspace, days=1, per_day=50)
    assert quality.schema_violations(workspace) == []
    import pyarrow.parquet as pq

    from console.core.data import store

    path = store.part_paths(workspace, "predictions")[0]
    table = pq.read_table(path).drop_columns(["amount"])
    pq.write_table(table, path)
    found = quality.schema_violations(workspace)
    assert len(found) == 1
    assert "'amount' is missing" in found[0]


def test_volume_far_from_normal_warns(workspace: Workspace) -> None:
    from console.core.monitoring.health_checks import pipeline_checks
    from console.core.monitoring.settings import DEFAULTS

    frame = make_predictions(days=4, per_day=300, seed=5, start="2026-11-01")
    keep = ~((frame["ts"].dt.date == dt.date(2026, 11, 4)) & (np.arange(len(frame)) % 10 != 0))
    ingest_frame(workspace, "predictions", frame[keep].drop(columns=["is_fraud"]), "t")
    volume = next(c for c in pipeline_checks(workspace, at(4), DEFAULTS) if c.name == "volume")
    assert volume.status == "warning"
    assert volume.value is not None
    assert volume.value < 0.2


def test_a_refusal_names_its_file_once(workspace: Workspace, tmp_path: Path) -> None:
    from console.core.base import clock

    empty = tmp_path / "empty.csv"
    empty.write_text("id,ts,score\n")
    with pytest.raises(BadInput):
        ingest.ingest_file(workspace, "alice", "predictions", empty)
    [message] = quality.pipeline_health(workspace, clock.now()).refused_messages
    assert message.startswith(f"{empty}: missing column(s)")
    assert f"{empty}: {empty}" not in message
    assert quality.named("a.csv", "no rows") == "a.csv: no rows"
