"""A record whose id is already stored is answered, not logged, and says so: per record
in the response, counted in /health and recorded for the unlogged_records check."""

from __future__ import annotations

import json

import httpx

from console.core.base import clock
from console.core.base.workspace import Workspace
from console.core.data import ingest, store
from console.core.serving import prediction_log
from console.core.serving.cache import PredictionCache
from console.core.serving.metrics import ServiceMetrics
from console.core.serving.model_holder import load_production
from console.core.serving.prediction_log import PredictionLog
from console.core.serving.scoring import score_records
from tests.core.serving_models import AUTH, prediction_log_of, record, running, with_models


def post(url: str, *ids: str) -> dict:
    body = {"records": [record(amount=float(n), transaction_id=i) for n, i in enumerate(ids)]}
    response = httpx.post(f"{url}/v1/predict", json=body, headers=AUTH)
    assert response.status_code == 200
    return response.json()


def flags(answer: dict) -> list[tuple[str, bool, str | None]]:
    return [(p["id"], p["logged"], p.get("reason")) for p in answer["predictions"]]


def test_the_response_says_per_record_whether_it_is_logged(workspace: Workspace) -> None:
    ws = with_models(workspace)
    with running(ws) as service:
        url = service.info.url
        first = post(url, "d-1")
        again = post(url, "d-1", "d-2", "d-2")  # a retry of d-1; d-2 twice in one request
        health = httpx.get(f"{url}/health").json()
    assert flags(first) == [("d-1", True, None)]
    assert first["not_logged"] == 0
    assert flags(again) == [
        ("d-1", False, "duplicate id"),
        ("d-2", True, None),
        ("d-2", False, "duplicate id"),
    ]
    assert again["not_logged"] == 2
    assert all("score" in p and "decision" in p for p in again["predictions"])  # as before
    assert (health["log_duplicates"], health["log_dropped"]) == (2, 2)
    assert sorted(store.stored_ids(ws, "predictions").to_pylist()) == ["d-1", "d-2"]
    count, first_ids = prediction_log.unlogged_since(ws, "2000-01-01")
    assert (count, first_ids) == (2, ["d-1", "d-2"])


def test_ids_stored_before_the_service_started_are_known_at_once(workspace: Workspace) -> None:
    ws = with_models(workspace)
    with running(ws) as service:
        post(service.info.url, "s-1", "s-2")
    with running(ws) as service:
        answer = post(service.info.url, "s-2", "s-3")
        health = httpx.get(f"{service.info.url}/health").json()
    assert flags(answer) == [("s-2", False, "duplicate id"), ("s-3", True, None)]
    assert health["log_duplicates"] == 1
    assert "console_log_duplicate_records_total 1" in service.metrics.prometheus(0, 0, 0)


def test_an_id_stored_by_another_ingest_meanwhile_is_counted_at_the_flush(
    workspace: Workspace,
) -> None:
    ws = with_models(workspace)
    model, schema = load_production(ws), ws.config.data_schema
    log, metrics = prediction_log_of(ws)
    batch = score_records(
        model, [record(transaction_id=i) for i in ("x-1", "x-2")], schema, PredictionCache(0)
    )
    assert log.append(batch, 1.0) == {}  # neither is stored yet
    first = PredictionLog(ws, "alice", "feed", ServiceMetrics())
    first.append(
        score_records(model, [record(transaction_id="x-1")], schema, PredictionCache(0)), 1.0
    )
    other = first._table([], first._rows)  # x-1 arrives by a file ingest before the flush
    ingest.ingest_table(ws, "alice", "predictions", other, source="feed.csv")
    assert log.flush() == 1
    assert (metrics.logged_rows, metrics.log_duplicates) == (1, 1)
    assert prediction_log.unlogged_since(ws, "2000-01-01") == (1, ["x-1"])
    row = ws.conn.execute("SELECT source, reason, first_ids FROM service_unlogged").fetchone()
    assert (row["source"], row["reason"], json.loads(row["first_ids"])) == (
        "service:test", "duplicate id", ["x-1"],
    )  # fmt: skip


def test_the_window_bounds_what_is_counted(workspace: Workspace) -> None:
    with_models(workspace)
    with workspace.conn:
        workspace.conn.execute(
            "INSERT INTO service_unlogged (at, source, reason, records, first_ids) "
            "VALUES ('2026-01-01T00:00:00.000+00:00', 'service:1', 'duplicate id', 3, ?)",
            (json.dumps(["old-1"]),),
        )
    assert prediction_log.unlogged_since(workspace, clock.iso()) == (0, [])
    assert prediction_log.unlogged_since(workspace, "2025-12-31") == (3, ["old-1"])


def test_a_flush_that_stores_nothing_still_records_the_duplicates(workspace: Workspace) -> None:
    ws = with_models(workspace)
    model, schema = load_production(ws), ws.config.data_schema
    log = PredictionLog(ws, "alice", "service:test", ServiceMetrics())
    batch = score_records(model, [record(transaction_id="z-1")], schema, PredictionCache(0))
    log.append(batch, 1.0)
    assert log.flush() == 1
    assert log.append(batch, 1.0) == {0: "duplicate id"}  # a client retrying only this
    assert log.flush() == 0
    assert prediction_log.unlogged_since(ws, "2000-01-01") == (1, ["z-1"])
