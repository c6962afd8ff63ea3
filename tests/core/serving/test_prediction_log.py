"""The prediction log stores what was scored, value for value, whatever the JSON types."""

from __future__ import annotations

import pytest

from console.core.base.workspace import Workspace
from console.core.data import store
from console.core.serving.cache import PredictionCache
from console.core.serving.metrics import ServiceMetrics
from console.core.serving.model_holder import load_production
from console.core.serving.prediction_log import PredictionLog
from console.core.serving.scoring import score_records
from tests.core.serving_models import record, with_models


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
