"""The traffic generator and the CLI over the service: serve, traffic, service."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from console import cli
from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.demo import data as demo_data
from console.core.demo import traffic
from console.core.serving import control, state
from tests.core.serving_models import TOKEN, running, with_models


def test_records_are_realistic_unique_and_sometimes_repeat_features() -> None:
    source = traffic.records(seed=123, chunk=200)
    rows = [next(source) for _ in range(500)]  # crosses a chunk boundary
    assert len({r["transaction_id"] for r in rows}) == 500
    assert all(set(r) == {"transaction_id", *demo_data.FEATURES} for r in rows)
    assert all(isinstance(r["channel"], str) and isinstance(r["hour"], int) for r in rows)
    assert any(r["distance_from_home_km"] is None for r in rows)  # missing values as null
    features = [tuple(sorted((k, v) for k, v in r.items() if k != "transaction_id")) for r in rows]
    assert 0 < 500 - len(set(features)) < 100  # about one in ten repeats


def test_records_are_made_a_chunk_ahead_off_the_event_loop() -> None:
    """The sender's loop never makes a chunk itself: a stall there would count in the
    latency of every answer in flight."""
    import asyncio
    import threading

    made_on: list[int] = []

    def chunks() -> Iterator[list[dict[str, int]]]:
        for n in range(10**6):
            made_on.append(threading.get_ident())
            yield [{"n": n * 4 + i} for i in range(4)]

    async def take(count: int) -> tuple[list[int], int]:
        ahead = traffic._Ahead(chunks())  # the first chunk: made before the clock starts
        assert len(made_on) == 1
        return [(await ahead.take())["n"] for _ in range(count)], threading.get_ident()

    taken, loop_thread = asyncio.run(take(13))
    assert taken == list(range(13))  # in order across chunks
    assert len(made_on) >= 4
    assert loop_thread not in made_on[1:]  # the later chunks: in a worker thread


def test_traffic_reaches_the_service_and_every_request_is_answered(workspace: Workspace) -> None:
    ws = with_models(workspace)
    with running(ws) as service:
        result = traffic.send(service.info.url, rate=100, duration=0.5, seed=5, token=TOKEN)
        health = service.metrics.health(service.cache.hits, service.cache.misses)
    assert result.sent >= 40
    assert (result.ok, result.failed) == (result.sent, 0)
    assert dict(result.versions) == {"1.0.0": result.sent}
    assert health["requests"] == result.sent
    assert health["cache_hits"] > 0


@pytest.mark.parametrize("freeze", [True, False])
def test_a_sending_process_leaves_its_start_up_objects_out_of_the_collector(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, freeze: bool
) -> None:
    """``console traffic`` and the benchmark's load process freeze the collector once,
    after the first records and the client were made and before the clock starts (a
    full pass over them held the loop 18-32 ms); a caller that shares its process (the
    window, the service's demo feeder) does not."""
    import time

    frozen: list[float] = []
    monkeypatch.setattr(traffic.gc, "freeze", lambda: frozen.append(time.time()))
    ws = with_models(workspace)
    with running(ws) as service:
        result = traffic.send(
            service.info.url, rate=50, duration=0.2, seed=5, token=TOKEN, freeze_gc=freeze
        )
    assert result.ok == result.sent > 0
    assert len(frozen) == (1 if freeze else 0)
    assert all(at <= result.started_wall for at in frozen)


@pytest.mark.parametrize(("chunk", "made_while_sending"), [(500, False), (30, True)])
def test_a_run_shorter_than_its_chunk_makes_its_records_before_the_clock(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, chunk: int, made_while_sending: bool
) -> None:
    """A benchmark's load process makes every record of a phase before sending (a chunk
    made while sending competes with the event loop for the interpreter lock)."""
    import time

    made: list[float] = []
    real = traffic.chunks

    def counted(seed: int | None = None, size: int = 2000):
        for rows in real(seed, size):
            made.append(time.time())
            yield rows

    monkeypatch.setattr(traffic, "chunks", counted)
    ws = with_models(workspace)
    with running(ws) as service:
        result = traffic.send(
            service.info.url, rate=100, duration=0.5, seed=5, token=TOKEN, chunk=chunk
        )
    assert result.ok == result.sent >= 40
    assert made[0] <= result.started_wall
    assert any(at > result.started_wall for at in made) == made_while_sending


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": 0, "duration": 1}, "rate 0 must be above 0"),
        ({"rate": 10, "duration": -1}, "duration -1 s must be above 0"),
        ({"rate": 10, "duration": 1, "batch": 0}, "batch 0 must be 1-1000"),
        ({"rate": 10, "duration": 1, "batch": 5, "chunk": 4}, "chunk 4 must be 5-100,000"),
    ],
)
def test_traffic_refuses_bad_settings(kwargs, message) -> None:
    with pytest.raises(BadInput, match=message):
        traffic.send("http://127.0.0.1:9", **kwargs)


def run_cli(capsys, root, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--workspace", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_status_and_traffic(
    workspace: Workspace, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    frozen: list[int] = []
    monkeypatch.setattr(traffic.gc, "freeze", lambda: frozen.append(1))
    ws = with_models(workspace)
    code, out, _ = run_cli(capsys, ws.root, "service", "status", "--json")
    assert (code, json.loads(out)["running"]) == (1, False)
    code, _, err = run_cli(capsys, ws.root, "traffic", "--duration", "1")
    assert code == 2
    assert "no scoring service is running" in err
    with running(ws):
        code, out, _ = run_cli(capsys, ws.root, "service", "status", "--json")
        status = json.loads(out)
        assert (code, status["running"], status["health"]["model_version"]) == (0, True, "1.0.0")
        code, out, _ = run_cli(capsys, ws.root, "traffic", "--rate", "50", "--duration", "0.3")
        assert code == 0
        assert out.startswith("Sent ")
        assert "0 failed" in out
        assert frozen == [1]  # console traffic only sends: its start-up objects frozen
        code, out, _ = run_cli(capsys, ws.root, "service", "status")
        assert "Serving at http://127.0.0.1:" in out
        assert "model 1.0.0" in out
    code, _, err = run_cli(capsys, ws.root, "service", "stop")
    assert (code, err.strip()) == (2, "console: no scoring service is running for this workspace")


def test_service_start_and_stop_as_a_subprocess(
    workspace: Workspace, capsys, shared_keyring: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in shared_keyring.items():  # the service process reads the token
        monkeypatch.setenv(name, value)
    ws = with_models(workspace)
    code, out, err = run_cli(capsys, ws.root, "service", "start", "--port", "0", "--json")
    assert code == 0, err
    started = json.loads(out)
    try:
        info = state.running_service(ws)
        assert info is not None
        assert info.pid == started["pid"]
        assert info.port > 0
        with pytest.raises(BadInput, match="already runs at"):
            control.start_service(ws, "alice", port=0)
    finally:
        code, out, err = run_cli(capsys, ws.root, "service", "stop")
    assert code == 0, err
    assert state.running_service(ws) is None
    assert state.recent_runs(ws)[0]["stopped_at"] is not None  # stopped gracefully


def test_viewer_may_not_control_the_service(workspace: Workspace) -> None:
    from console.core.base.errors import PermissionDenied

    with_models(workspace)
    workspace.set_role("alice", "victor", "viewer")
    with pytest.raises(PermissionDenied):
        control.start_service(workspace, "victor", port=0)
    assert state.recent_runs(workspace) == []
