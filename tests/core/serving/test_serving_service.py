"""The real service (uvicorn on 127.0.0.1, ephemeral port): record, log, hot swap, stop."""

from __future__ import annotations

import bisect
import subprocess
import sys
import threading
import time

import httpx
import pytest

from console.core.base import audit
from console.core.base.errors import PermissionDenied, WorkspaceError
from console.core.base.workspace import Workspace
from console.core.data import store
from console.core.security import credentials
from console.core.serving import state
from console.core.serving.server import ScoringService
from console.core.serving.settings import ServiceSettings
from tests.core.serving_models import (
    AUTH,
    TOKEN,
    expected_score,
    record,
    register,
    running,
    switch_production,
    with_models,
)


def test_a_running_service_is_found_and_its_predictions_are_stored(workspace: Workspace) -> None:
    ws = with_models(workspace)
    assert state.running_service(ws) is None
    with running(ws) as service:
        info = state.running_service(ws)
        assert info == service.info
        assert info is not None
        assert info.url == f"http://127.0.0.1:{service.port}"
        records = [record(amount=float(a), transaction_id=f"s-{a}") for a in range(5)]
        answer = httpx.post(f"{info.url}/v1/predict", json={"records": records}, headers=AUTH)
        answer = answer.json()
        assert answer["model_version"] == "1.0.0"
        retry = record(transaction_id="s-0")
        httpx.post(f"{info.url}/v1/predict", json=retry, headers=AUTH)
        health = httpx.get(f"{info.url}/health").json()
        assert health["requests"] == 2
    assert state.running_service(ws) is None
    table = store.read(ws, "predictions").to_pandas().set_index("transaction_id")
    assert sorted(table.index) == [f"s-{a}" for a in range(5)]  # the retry is logged once
    assert set(table[store.MODEL_VERSION]) == {"1.0.0"}
    assert (table[store.LATENCY_MS] > 0).all()
    assert table.loc["s-3", "score"] == pytest.approx(answer["predictions"][3]["score"], 1e-12)
    [run] = state.recent_runs(ws)
    assert run["stopped_at"] is not None
    assert not run["running"]
    assert (run["requests"], run["errors"], run["logged_rows"]) == (2, 0, 5)
    events = [e.details["event"] for e in audit.entries(ws.conn, action="service.control")]
    assert sorted(events) == ["start", "stop"]
    assert ws.conn.execute("SELECT source FROM batches").fetchone()[0] == f"service:{info.port}"


def test_a_record_of_a_dead_process_is_not_running(workspace: Workspace) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    info = state.ServiceInfo("http://127.0.0.1:1", "127.0.0.1", 1, proc.pid, "2026-01-01", False)
    state.record_start(workspace, "alice", info)
    assert state.running_service(workspace) is None
    assert not state.wait_for_version(workspace, "1.0.0", timeout=0.2)
    assert state.recent_runs(workspace)[0]["running"] is False


def test_no_production_model_and_no_role_refuse_to_start(workspace: Workspace) -> None:
    credentials.set_secret(workspace, "alice", "service-token", TOKEN)
    with pytest.raises(WorkspaceError, match="no model version is in production"):
        ScoringService(workspace, "alice", ServiceSettings(port=0))
    with_models(workspace)
    workspace.set_role("alice", "victor", "viewer")
    with pytest.raises(PermissionDenied):
        ScoringService(workspace, "victor", ServiceSettings(port=0))
    assert state.recent_runs(workspace) == []


def test_wait_for_version_follows_the_production_pointer(workspace: Workspace) -> None:
    ws = with_models(workspace)
    with running(ws) as service:
        assert state.wait_for_version(ws, "1.0.0", timeout=2)
        switch_production(ws, "1.1.0")
        assert state.wait_for_version(ws, "1.1.0", timeout=5)
        assert service.metrics.swaps == 1
        assert not state.wait_for_version(ws, "9.9.9", timeout=0.2)


def test_a_version_that_will_not_load_leaves_the_old_one_serving(workspace: Workspace) -> None:
    ws = with_models(workspace)
    bad = register(ws, "1.2.0")
    path = ws.root / bad.path
    path.write_bytes(path.read_bytes()[:-20] + b"x" * 20)
    with running(ws) as service:
        switch_production(ws, "1.2.0")
        deadline = time.monotonic() + 5
        while service.metrics.swap_errors == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        health = httpx.get(f"{service.info.url}/health").json()
        assert health["model_version"] == "1.0.0"
        assert health["swap_errors"] == 1
        assert "corrupt or tampered" in health["last_swap_error"]
        answer = httpx.post(f"{service.info.url}/v1/predict", json=record(), headers=AUTH).json()
        assert answer["model_version"] == "1.0.0"


def test_hot_swap_drops_no_request_and_names_the_right_version(workspace: Workspace) -> None:
    ws = with_models(workspace)
    scores = {v: expected_score(ws, v, record()) for v in ("1.0.0", "1.1.0")}
    timeline: list[tuple[float, str]] = [(0.0, "1.0.0")]
    answers: list[tuple[float, float, int, dict]] = []
    stop = threading.Event()

    def client(url: str) -> None:
        with httpx.Client(headers=AUTH) as http:
            while not stop.is_set():
                sent = time.monotonic()
                response = http.post(f"{url}/v1/predict", json=record())
                answers.append((sent, time.monotonic(), response.status_code, response.json()))

    with running(ws, cache_size=0) as service:
        sender = threading.Thread(target=client, args=(service.info.url,))
        sender.start()
        try:
            for version in ["1.1.0", "1.0.0", "1.1.0", "1.0.0"]:
                time.sleep(0.15)
                switch_production(ws, version)
                timeline.append((time.monotonic(), version))
            time.sleep(0.3)
        finally:
            stop.set()
            sender.join()
    times = [t for t, _ in timeline]
    assert len(answers) > 20
    assert {status for _, _, status, _ in answers} == {200}
    seen = set()
    for sent, received, _status, body in answers:
        first = max(bisect.bisect_right(times, sent) - 2, 0)  # the one before, at send
        last = bisect.bisect_right(times, received) - 1
        allowed = {v for _, v in timeline[first : last + 1]}
        version = body["model_version"]
        assert version in allowed
        assert body["predictions"][0]["score"] == pytest.approx(scores[version], 1e-12)
        seen.add(version)
    assert seen == {"1.0.0", "1.1.0"}


def test_ids_already_stored_are_dropped_not_the_whole_batch(workspace: Workspace) -> None:
    from console.core.serving.cache import PredictionCache
    from console.core.serving.metrics import ServiceMetrics
    from console.core.serving.model_holder import load_production
    from console.core.serving.prediction_log import PredictionLog
    from console.core.serving.scoring import score_records

    ws = with_models(workspace)
    model, schema = load_production(ws), ws.config.data_schema
    metrics = ServiceMetrics()
    log = PredictionLog(ws, "alice", "service:test", metrics)

    def scored(*ids: str):
        records = [record(amount=float(n), transaction_id=i) for n, i in enumerate(ids)]
        return score_records(model, records, schema, PredictionCache(0))

    log.append(scored("a"), 1.0)
    assert log.flush() == 1
    assert log.append(scored("a", "b"), 1.0) == {0: "duplicate id"}  # known at once
    assert metrics.log_pending == 1
    assert log.flush() == 1
    assert (metrics.logged_rows, metrics.log_dropped, metrics.log_duplicates) == (2, 1, 1)
    assert sorted(store.read(ws, "predictions").column("transaction_id").to_pylist()) == ["a", "b"]
