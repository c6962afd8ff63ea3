"""Versions loaded in the helper process: same model, same errors, a fallback, and the
rollback target held ready."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

from console.core.base.errors import WorkspaceError
from console.core.base.workspace import Workspace
from console.core.models import deploy, deploy_checks, registry
from console.core.serving import model_holder
from console.core.serving.model_holder import ModelHolder
from console.core.serving.model_loader import NICE, LoaderUnavailable, ModelLoader
from tests.core.registry_helpers import copy_of, shared_template
from tests.core.serving_models import (
    AUTH,
    expected_score,
    record,
    running,
    switch_production,
    with_models,
)


def ready(loader: ModelLoader, timeout: float = 60.0) -> ModelLoader:
    deadline = time.monotonic() + timeout
    while not loader.ready():
        assert time.monotonic() < deadline, "the model loader process did not start"
        time.sleep(0.05)
    return loader


@pytest.fixture
def loader():
    loader = ModelLoader()
    loader.start()
    yield loader
    loader.close()


def test_the_helper_loads_the_version_the_service_would(workspace: Workspace, loader) -> None:
    ws = with_models(workspace)
    model = registry.require(ws, "1.1.0")
    there = ready(loader).load(ws.root, model)
    here = model_holder.load_version(ws, model)
    assert (there.version, there.sha256, there.threshold) == ("1.1.0", model.sha256, 0.5)
    x = pd.DataFrame({"amount": [42.0, 900.0], "hour": [13, 3], "card_age_days": [400, 2]})
    np.testing.assert_array_equal(there.pipeline.predict_proba(x), here.pipeline.predict_proba(x))
    assert loader.loads == 1
    assert loader.pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, loader.pid) == os.getpriority(os.PRIO_PROCESS, 0) + min(
        NICE, 19 - os.getpriority(os.PRIO_PROCESS, 0)
    )  # requests get the CPU first


def test_a_corrupt_artifact_fails_in_the_helper_as_it_would_here(
    workspace: Workspace, loader
) -> None:
    ws = with_models(workspace)
    model = registry.require(ws, "1.1.0")
    (ws.root / model.path).write_bytes(b"not a model")
    with pytest.raises(WorkspaceError, match="corrupt or tampered"):
        ready(loader).load(ws.root, model)
    assert loader.ready()  # the helper survives a bad version and loads the next
    assert loader.load(ws.root, registry.require(ws, "1.0.0")).version == "1.0.0"


def test_a_helper_still_starting_or_dead_is_unavailable_then_restarted(
    workspace: Workspace, loader
) -> None:
    ws = with_models(workspace)
    model = registry.require(ws, "1.0.0")
    if not loader.ready():
        with pytest.raises(LoaderUnavailable, match="still starting"):
            loader.load(ws.root, model)
    pid = ready(loader).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    with pytest.raises(LoaderUnavailable):
        loader.load(ws.root, model)
    assert ready(loader).pid != pid  # started again for the next load
    assert loader.load(ws.root, model).version == "1.0.0"


def test_a_dead_helper_leaves_the_swap_to_the_service(workspace: Workspace, loader) -> None:
    ws = with_models(workspace)
    holder = ModelHolder(ws, loader=loader)
    pid = ready(loader).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    switch_production(ws, "1.1.0")
    assert holder.poll_once()
    assert holder.current.version == "1.1.0"
    assert loader.loads == 0


@pytest.fixture
def deployable(tmp_path, monkeypatch):
    """1.0.0 in production, 1.1.0 a candidate, both with golden sets; no service."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(deploy_checks, "LATENCY_CALLS", 5)
    monkeypatch.setattr(deploy_checks, "LATENCY_P99_MS", 10_000.0)  # a busy test box
    ws = copy_of(shared_template(), tmp_path / "ws")
    yield ws
    ws.close()


def test_the_rollback_target_is_loaded_ahead_and_the_rollback_loads_nothing(
    deployable: Workspace, loader, monkeypatch
) -> None:
    ws = deployable
    assert deploy.promote(ws, "alice", "1.1.0", reason="test").outcome == "switched"
    holder = ModelHolder(ws, loader=ready(loader))
    assert holder.current.version == "1.1.0"
    assert holder.rollback_ready is None
    assert holder.preload_rollback_target() == "1.0.0"
    assert holder.rollback_ready == "1.0.0"
    assert loader.loads == 1

    def no_load(*_args):
        raise AssertionError("the rollback loaded a model while requests ran")

    monkeypatch.setattr(model_holder, "load_version", no_load)
    monkeypatch.setattr(loader, "load", no_load)
    assert deploy.rollback(ws, "alice", reason="test").outcome == "switched"
    assert holder.poll_once()
    assert holder.current.version == "1.0.0"
    assert holder.rollback_ready is None  # production moved: so did the target
    assert holder.preload_rollback_target() is None  # 1.1.0 was rolled back from


def test_without_a_helper_nothing_is_loaded_ahead(deployable: Workspace) -> None:
    assert deploy.promote(deployable, "alice", "1.1.0", reason="test").outcome == "switched"
    assert ModelHolder(deployable).preload_rollback_target() is None


def test_the_service_swaps_with_models_from_its_helper(workspace: Workspace) -> None:
    import httpx

    ws = with_models(workspace)
    want = expected_score(ws, "1.1.0", record())
    with running(ws, load_in_helper=True) as service:
        loader = service.holder.loader
        assert loader is not None
        assert loader.pid is not None
        ready(loader)
        switch_production(ws, "1.1.0")
        deadline = time.monotonic() + 30
        while service.holder.current.version != "1.1.0":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert loader.loads == 1
        body = {"records": [record(transaction_id="t-1")]}
        answer = httpx.post(f"{service.info.url}/v1/predict", json=body, headers=AUTH).json()
        assert answer["model_version"] == "1.1.0"
        assert answer["predictions"][0]["score"] == pytest.approx(want, abs=1e-9)
        pid = loader.pid
    with pytest.raises(ProcessLookupError):  # stopped with the service
        os.kill(pid, 0)


def test_a_helper_too_slow_is_stopped_and_the_load_falls_back(workspace: Workspace) -> None:
    ws = with_models(workspace)
    slow = ModelLoader(load_timeout=0.001)
    slow.start()
    try:
        pid = ready(slow).pid
        with pytest.raises(LoaderUnavailable, match="took over"):
            slow.load(ws.root, registry.require(ws, "1.1.0"))
        assert slow.pid is None  # stopped; started again for the next load
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        slow.close()


def test_load_in_helper_false_keeps_every_load_in_the_service(workspace: Workspace) -> None:
    ws = with_models(workspace)
    with running(ws, load_in_helper=False) as service:
        assert service.holder.loader is None
        switch_production(ws, "1.1.0")
        deadline = time.monotonic() + 30
        while service.holder.current.version != "1.1.0":
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_a_helper_whose_service_stopped_first_ends_quietly() -> None:
    """A service stopped before its helper is ready (a quick stop): the helper's "ready"
    meets a closed pipe and it ends without a traceback in the service's log."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "console.core.serving.model_loader"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdout.close()  # the service's end of the reply pipe: gone
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert b"Traceback" not in err
