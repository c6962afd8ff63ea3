"""The service's routes (starlette TestClient): scoring, cache, limits, errors, token."""

from __future__ import annotations

import json
import time
import warnings

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from console.core.base.workspace import Workspace
from console.core.serving.app import Runtime, build_app
from console.core.serving.cache import PredictionCache
from console.core.serving.metrics import ServiceMetrics
from console.core.serving.model_holder import ModelHolder
from console.core.serving.prediction_log import PredictionLog
from console.core.serving.settings import ServiceSettings
from tests.core.serving_models import expected_score, record, with_models

with warnings.catch_warnings():
    # starlette would like the httpx2 fork; the httpx in the venv works for tests
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


def make_runtime(ws: Workspace, token: str | None = None, **settings) -> Runtime:
    metrics = ServiceMetrics()
    options = {"port": 0, **settings}
    return Runtime(
        ModelHolder(ws),
        PredictionCache(100),
        metrics,
        PredictionLog(ws, "alice", "service:test", metrics),
        ServiceSettings(**options),
        ws.config.data_schema,
        token,
    )


@pytest.fixture
def runtime(workspace: Workspace) -> Runtime:
    return make_runtime(with_models(workspace), max_batch=3, max_body_bytes=2000)


@pytest.fixture
def client(runtime: Runtime):
    with TestClient(build_app(runtime)) as test_client:
        yield test_client


def test_one_record_is_scored_by_the_production_version(client, workspace) -> None:
    response = client.post("/v1/predict", json=record(transaction_id="t-1"))
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == "1.0.0"
    [prediction] = body["predictions"]
    assert prediction["id"] == "t-1"
    assert prediction["score"] == pytest.approx(expected_score(workspace, "1.0.0", record()), 1e-12)
    assert prediction["decision"] == int(prediction["score"] >= 0.5)


def test_batches_in_both_forms_keep_order_and_ids(client) -> None:
    records = [record(amount=a, transaction_id=f"b-{a}") for a in (5.0, 500.0, 5000.0)]
    for payload in ({"records": records}, records):
        body = client.post("/v1/predict", json=payload).json()
        assert [p["id"] for p in body["predictions"]] == ["b-5.0", "b-500.0", "b-5000.0"]
        scores = [p["score"] for p in body["predictions"]]
        assert len(set(scores)) == 3


def test_cache_hits_are_counted_in_health_and_metrics(client) -> None:
    first = client.post("/v1/predict", json=record(transaction_id="c-1")).json()
    second = client.post("/v1/predict", json=record(transaction_id="c-2")).json()
    assert first["predictions"][0]["score"] == second["predictions"][0]["score"]
    health = client.get("/health").json()
    assert health["model_version"] == "1.0.0"
    assert (health["requests"], health["errors"], health["records"]) == (2, 0, 2)
    assert health["cache_hits"] == 1
    assert health["cache_hit_rate"] == pytest.approx(0.5)
    assert health["p99_ms"] >= health["p50_ms"] > 0
    text = client.get("/metrics").text
    assert "console_cache_hits_total 1\n" in text
    assert 'console_requests_total{code="200"} 2\n' in text
    assert 'console_model_info{version="1.0.0"} 1\n' in text
    assert 'console_request_latency_seconds_bucket{le="+Inf"} 2\n' in text
    assert "console_request_latency_seconds_count 2\n" in text


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        ({"records": [record()] * 4}, 413, "4 records is over the limit of 3 per request"),
        ({"records": []}, 422, "the request has no records"),
        ({"records": {"a": 1}}, 422, "'records' must be a JSON array"),
        ("text", 422, "must be a record"),
        (record(amount="12"), 422, "record: feature 'amount': '12' is not a number"),
        (record(hour=3.5), 422, "feature 'hour': 3.5 is not a whole number"),
        (record(amount=True), 422, "feature 'amount': True is not a number"),
        ({"amount": 1.0, "hour": 2}, 422, "feature 'card_age_days' is missing"),
        (record(colour="red"), 422, "record: unknown field 'colour'"),
        (record(ts="yesterday"), 422, "timestamp 'yesterday' is not ISO-8601"),
        (record(channel=3), 422, "feature 'channel': 3 is not text"),
        ([record(), 7], 422, "record 1: must be a JSON object, got int"),
    ],
)
def test_bad_requests_get_a_4xx_with_the_reason(client, payload, status, reason) -> None:
    response = client.post("/v1/predict", json=payload)
    assert response.status_code == status
    assert reason in response.json()["error"]


def test_bad_requests_change_nothing(client, runtime) -> None:
    client.post("/v1/predict", json=[record(transaction_id="ok-1"), record(amount="x")])
    client.post("/v1/predict", content=b"{not json")
    assert runtime.metrics.log_pending == 0
    assert runtime.prediction_log is not None
    assert runtime.prediction_log.flush() == 0
    assert len(runtime.cache) == 0
    assert runtime.metrics.errors == 2


def test_non_finite_and_malformed_json(client) -> None:
    nan = client.post("/v1/predict", content=b'{"amount": NaN, "hour": 1, "card_age_days": 2}')
    assert nan.status_code == 422
    assert "nan is not finite" in nan.json()["error"]
    broken = client.post("/v1/predict", content=b'{"amount": ')
    assert broken.status_code == 400
    assert broken.json()["error"].startswith("body is not valid JSON")


def test_bodies_over_the_limit_get_413_with_or_without_a_length(client) -> None:
    big = json.dumps({"records": [record(transaction_id="x" * 3000)]}).encode()
    response = client.post("/v1/predict", content=big)
    assert response.status_code == 413
    assert "over the limit of 2,000" in response.json()["error"]
    chunked = client.post("/v1/predict", content=iter([big[:1500], big[1500:]]))
    assert chunked.status_code == 413
    assert client.get("/health").json()["errors"] == 2


def test_slow_scoring_gets_408(workspace: Workspace) -> None:
    runtime = make_runtime(with_models(workspace), request_timeout_s=0.05)

    class Slow:
        def predict_proba(self, frame):
            time.sleep(0.3)
            raise AssertionError("the request should have timed out")

    current = runtime.holder.current
    runtime.holder.current = type(current)(
        current.version, current.sha256, Slow(), current.threshold, current.features
    )
    with TestClient(build_app(runtime)) as client:
        response = client.post("/v1/predict", json=record())
    assert response.status_code == 408
    assert "within 0.05 s" in response.json()["error"]
    time.sleep(0.3)  # let the abandoned scoring thread finish


def test_token_is_required_when_set(workspace: Workspace) -> None:
    runtime = make_runtime(with_models(workspace), token="s3cret")
    with TestClient(build_app(runtime)) as client:
        assert client.post("/v1/predict", json=record()).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert client.post("/v1/predict", json=record(), headers=wrong).status_code == 401
        assert client.get("/metrics").status_code == 401
        right = {"Authorization": "Bearer s3cret"}
        assert client.post("/v1/predict", json=record(), headers=right).status_code == 200
        assert client.get("/metrics", headers=right).status_code == 200
        assert client.get("/health").status_code == 200  # liveness stays open


def test_unknown_paths_and_methods_answer_json(client) -> None:
    assert client.get("/v1/predict").status_code == 405
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no such endpoint: /nope"}
