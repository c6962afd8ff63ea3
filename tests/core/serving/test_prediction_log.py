"""The prediction log stores what was scored, value for value, whatever the JSON types."""

from __future__ import annotations

import time

import pytest

from console.core.base.workspace import Workspace
from console.core.data import store
from console.core.serving.cache import PredictionCache
from console.core.serving.metrics import ServiceMetrics
from console.core.serving.model_holder import load_production
from console.core.serving.prediction_log import PredictionLog
from console.core.serving.scoring import score_records
from tests.core.serving_models import prediction_log_of, record, with_models


def test_a_flush_stores_each_record_as_it_was_scored(workspace: Workspace) -> None:
    ws = with_models(workspace)
    model, schema = load_production(ws), ws.config.data_schema
    log = PredictionLog(ws, "alice", "service:test", ServiceMetrics())
    log.load_stored_ids()
    records = [
        record(amount=12.5, hour=13.0, transaction_id="a"),  # JSON's 13.0 for an integer
        record(amount=99.0, hour=2, age=7, transaction_id="b"),
    ]
    batches = [score_records(model, [r], schema, PredictionCache(0)) for r in records]
    for n, batch in enumerate(batches):
        assert log.append(batch, latency_ms=1.5 + n) == {}
    assert log.flush() == 2
    table = store.read(ws, "predictions").to_pandas().set_index(schema.id)
    assert table.loc["a", "hour"] == 13
    assert str(table["hour"].dtype) in ("int64", "Int64")
    assert table.loc["b", "card_age_days"] == 7
    assert table.loc["a", "amount"] == 12.5
    assert table.loc["b", store.LATENCY_MS] == 2.5
    assert table.loc["a", store.MODEL_VERSION] == "1.0.0"
    for batch, row_id in zip(batches, ("a", "b"), strict=True):
        assert table.loc[row_id, schema.score] == pytest.approx(float(batch.scores[0]), 1e-12)


def test_rows_made_arrow_columns_between_flushes_are_stored_in_order(
    workspace: Workspace,
) -> None:
    ws = with_models(workspace)
    model, schema = load_production(ws), ws.config.data_schema
    log, metrics = prediction_log_of(ws)
    ids = [f"r-{n}" for n in range(7)]
    for n, row_id in enumerate(ids):
        batch = score_records(model, [record(transaction_id=row_id)], schema, PredictionCache(0))
        log.append(batch, latency_ms=float(n))
        if n in (1, 4):
            assert log.convert() == (2 if n == 1 else 3)  # rows since the last one
    assert log.convert() == 2
    assert log.convert() == 0  # nothing new
    assert metrics.log_pending == 7  # converted rows still wait for the flush
    assert log.flush() == 7
    table = store.read(ws, "predictions").to_pandas()
    assert list(table[schema.id]) == ids
    assert list(table[store.LATENCY_MS]) == [float(n) for n in range(7)]


def test_the_flusher_thread_converts_between_flushes(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.core.serving import prediction_log

    monkeypatch.setattr(prediction_log, "CONVERT_SECONDS", 0.05)
    ws = with_models(workspace)
    model, schema = load_production(ws), ws.config.data_schema
    log = PredictionLog(ws, "alice", "service:test", ServiceMetrics(), flush_seconds=60.0)
    log.start()
    try:
        batch = score_records(model, [record(transaction_id="t-1")], schema, PredictionCache(0))
        log.append(batch, latency_ms=1.0)
        deadline = time.monotonic() + 5.0
        while not log._converted and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [b.num_rows for b in log._converted] == [1]
        assert store.read(ws, "predictions").num_rows == 0  # stored at the flush only
    finally:
        log.stop()
    assert list(store.read(ws, "predictions").to_pandas()[schema.id]) == ["t-1"]
