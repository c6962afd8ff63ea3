"""Promote and rollback as checked transactions: checks, switch, smoke test, history."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from console.core.base import audit, jobs
from console.core.base.errors import BadInput, JobCancelled, PermissionDenied
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.models import deploy, registry
from console.core.models import deploy_checks as verification
from console.core.models.deploy import CheckResult
from tests.core.registry_helpers import copy_of, register, shared_template

STEPS = ["artifact_hash", "safe_load", "input_schema", "known_answer", "latency"]


@pytest.fixture
def template() -> Path:
    return shared_template()


@pytest.fixture
def ws(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """1.0.0 in production, 1.1.0 and 1.2.0 candidates (1.1.0 a different model); no service."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)  # keep the tests fast
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)  # a busy test box
    workspace = copy_of(template, tmp_path / "ws")
    yield workspace
    workspace.close()


def production(ws: Workspace) -> str | None:
    model = registry.production(ws)
    return model.version if model else None


def stages(ws: Workspace) -> dict[str, str]:
    return {m.version: m.stage for m in registry.list_versions(ws)}


def test_promote_runs_every_check_switches_and_records_one_event(ws: Workspace) -> None:
    seen: list[CheckResult] = []
    before = len(audit.entries(ws.conn))
    result = deploy.promote(ws, "alice", "1.1.0", reason="better recall", on_step=seen.append)
    assert result.outcome == "switched"
    assert [c.name for c in seen] == [*STEPS, "switch", "smoke_test"]
    assert all(c.ok for c in seen)
    assert seen[-1].detail == "skipped: no service running"
    assert result.checks == seen
    assert (result.kind, result.from_version, result.to_version) == ("promote", "1.0.0", "1.1.0")
    assert stages(ws) == {"1.2.0": "candidate", "1.1.0": "production", "1.0.0": "archived"}
    new = audit.entries(ws.conn)[: len(audit.entries(ws.conn)) - before]
    assert [(e.action, e.outcome) for e in new] == [("model.promote", "ok")]
    assert new[0].details["reason"] == "better recall"
    assert deploy.history(ws)[0] == result


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values")
def test_the_checks_run_at_a_lower_cpu_priority_than_the_caller(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    hash_step = verification._STEPS["artifact_hash"]

    def noting(s: object, name: str) -> str:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return hash_step(s, name)

    monkeypatch.setitem(verification._STEPS, "artifact_hash", noting)
    caller = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert deploy.promote(ws, "alice", "1.1.0", reason="nicer checks").outcome == "switched"
    assert len(seen) == 1
    assert seen[0] >= jobs.NICENESS > caller  # the scoring service comes first
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == caller


def test_rollback_without_to_restores_the_previous_production(ws: Workspace) -> None:
    deploy.promote(ws, "alice", "1.1.0", reason="r1")
    deploy.promote(ws, "alice", "1.2.0", reason="r2")
    ws.set_role("alice", "olga", "operator")
    first = deploy.rollback(ws, "olga", reason="1.2.0 blocks good customers")
    assert (first.outcome, first.from_version, first.to_version) == ("switched", "1.2.0", "1.1.0")
    second = deploy.rollback(ws, "olga", reason="1.1.0 too")
    assert (second.from_version, second.to_version) == ("1.1.0", "1.0.0")
    assert production(ws) == "1.0.0"
    # Versions rolled back from are not offered again: nothing earlier remains.
    with pytest.raises(BadInput, match=r"no earlier production version .*production is 1\.0\.0"):
        deploy.rollback(ws, "olga", reason="again")
    assert production(ws) == "1.0.0"
    assert audit.entries(ws.conn)[0].outcome == "refused"
    assert [d.kind for d in deploy.history(ws)] == [
        "rollback",
        "rollback",
        "promote",
        "promote",
        "promote",
    ]


def test_rollback_only_to_a_version_that_was_in_production(ws: Workspace) -> None:
    ws.set_role("alice", "olga", "operator")
    with pytest.raises(BadInput, match=r"1\.1\.0 was never in production"):
        deploy.rollback(ws, "olga", reason="try", to="1.1.0")
    with pytest.raises(PermissionDenied):
        deploy.promote(ws, "olga", "1.1.0", reason="operators may not promote")
    ws.set_role("alice", "vic", "viewer")
    with pytest.raises(PermissionDenied):
        deploy.rollback(ws, "vic", reason="viewers may not roll back")
    with pytest.raises(PermissionDenied):
        deploy.verify(ws, "vic", "1.1.0")
    assert production(ws) == "1.0.0"
    assert len(deploy.history(ws)) == 1


@pytest.mark.parametrize(
    ("reason", "version", "message"),
    [
        ("   ", "1.1.0", "a reason is required"),
        ("r", "9.9.9", r"9\.9\.9 is not registered"),
        ("r", "1.0.0", r"1\.0\.0 is already in production"),
    ],
)
def test_bad_promote_requests_change_nothing(
    ws: Workspace, reason: str, version: str, message: str
) -> None:
    before = stages(ws)
    with pytest.raises(BadInput, match=message):
        deploy.promote(ws, "alice", version, reason=reason)
    assert stages(ws) == before
    assert len(deploy.history(ws)) == 1
    assert audit.entries(ws.conn)[0].outcome == "refused"


def _refused_at(ws: Workspace, version: str, step: str) -> str:
    result = deploy.promote(ws, "alice", version, reason="try")
    assert result.outcome == "refused"
    assert result.checks[-1].name == step
    assert not result.checks[-1].ok
    assert production(ws) == "1.0.0"
    assert stages(ws)[version] == "candidate"
    entry = audit.entries(ws.conn)[0]
    assert (entry.action, entry.outcome) == ("model.promote", "refused")
    assert step in entry.details["error"]
    return result.checks[-1].detail


def test_tampered_artifact_is_refused_before_loading(ws: Workspace) -> None:
    path = ws.root / registry.require(ws, "1.1.0").path
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    assert "SHA-256 mismatch" in _refused_at(ws, "1.1.0", "artifact_hash")


def test_scores_that_do_not_reproduce_fail_the_known_answer_test(ws: Workspace) -> None:
    other = registry.require(ws, "1.1.0")  # a different model's artifact under 1.2.0's card
    with ws.conn:
        ws.conn.execute(
            "UPDATE models SET path = ?, sha256 = ?, trusted = ? WHERE version = '1.2.0'",
            (other.path, other.sha256, '["' + '","'.join(other.trusted) + '"]'),
        )
    assert "score differently" in _refused_at(ws, "1.2.0", "known_answer")


def test_model_schema_that_does_not_match_the_workspace_is_refused(ws: Workspace) -> None:
    schema = ws.config.data_schema
    features = {k: v for k, v in schema.features.items() if k != "hour"} | {"amount": "integer"}
    changed = schema.model_copy(update={"features": features})
    ws.config = ws.config.model_copy(update={"data_schema": changed})  # console.toml edited
    detail = _refused_at(ws, "1.1.0", "input_schema")
    assert "amount is number in the model but integer in the workspace" in detail
    assert "hour is not in the workspace schema" in detail


def test_slow_model_fails_the_latency_check(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 0.0)
    assert "over the 0 ms bound" in _refused_at(ws, "1.1.0", "latency")


def test_verify_checks_without_switching(ws: Workspace) -> None:
    results = deploy.verify(ws, "alice", "1.1.0")
    assert [r.name for r in results] == STEPS
    assert all(r.ok for r in results)
    assert "300 golden rows reproduce" in results[3].detail
    assert production(ws) == "1.0.0"
    assert len(deploy.history(ws)) == 1


def test_failed_smoke_test_undoes_the_switch(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = SimpleNamespace(url="http://127.0.0.1:8765")
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: service)
    asked: list[str] = []

    def never(_ws: Workspace, version: str, timeout: float) -> bool:
        asked.append(version)
        assert production(_ws) == version  # the service is asked after the switch
        return False

    monkeypatch.setattr(deploy, "_wait_for_version", never)
    result = deploy.promote(ws, "alice", "1.1.0", reason="try")
    assert asked == ["1.1.0"]
    assert result.outcome == "reverted"
    assert result.checks[-1].name == "smoke_test"
    assert "did not report model 1.1.0" in result.checks[-1].detail
    assert stages(ws) == {"1.2.0": "candidate", "1.1.0": "candidate", "1.0.0": "production"}
    entries = audit.entries(ws.conn)
    assert [(e.action, e.outcome) for e in entries[:2]] == [
        ("model.promote", "refused"),
        ("model.promote", "ok"),
    ]
    assert entries[0].details["outcome"] == "reverted"
    assert audit.verify(ws.conn).ok


def test_passing_smoke_test_is_recorded(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: SimpleNamespace(url="http://s"))
    monkeypatch.setattr(deploy, "_wait_for_version", lambda _ws, v, timeout: True)
    result = deploy.promote(ws, "alice", "1.1.0", reason="try")
    assert result.outcome == "switched"
    assert result.checks[-1].detail == "http://s answers with model 1.1.0"
    assert deploy.history(ws)[0].checks[-1] == result.checks[-1]


def test_two_promotes_at_once_serialise(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    barrier = threading.Barrier(2, timeout=30)
    results: dict[str, object] = {}

    def wait_for_the_other(step: CheckResult) -> None:
        if step.name == "latency":  # both verified, neither switched yet
            barrier.wait()

    def run(version: str) -> None:
        results[version] = deploy.promote(
            ws, "alice", version, reason="race", on_step=wait_for_the_other
        )

    threads = [threading.Thread(target=run, args=(v,)) for v in ("1.1.0", "1.2.0")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    outcomes = sorted(r.outcome for r in results.values())  # type: ignore[attr-defined]
    assert outcomes == ["refused", "switched"], [r.checks[-1] for r in results.values()]  # type: ignore[attr-defined]
    winner = next(v for v, r in results.items() if r.outcome == "switched")  # type: ignore[attr-defined]
    loser = next(r for r in results.values() if r.outcome == "refused")  # type: ignore[attr-defined]
    assert production(ws) == winner
    assert f"production changed from 1.0.0 to {winner} while verifying" in loser.checks[-1].detail
    assert list(stages(ws).values()).count("production") == 1


class Crash(BaseException):
    """Stands in for the process dying (not an Exception, so nothing catches it)."""


@pytest.mark.parametrize("at", ["safe_load", "latency", "switch", "smoke_test"])
def test_crash_at_any_step_leaves_production_verified_and_whole(ws: Workspace, at: str) -> None:
    def crash(step: CheckResult) -> None:
        if step.name == at:
            raise Crash

    with pytest.raises(Crash):
        deploy.promote(ws, "alice", "1.1.0", reason="crash test", on_step=crash)
    switched = at in ("switch", "smoke_test")
    assert production(ws) == ("1.1.0" if switched else "1.0.0")
    assert list(stages(ws).values()).count("production") == 1
    latest = deploy.history(ws)[0]
    assert (latest.to_version, latest.outcome) == (
        ("1.1.0", "switched") if switched else ("1.0.0", "switched")
    )
    assert all(c.ok for c in latest.checks)
    assert deploy.verify(ws, "alice", production(ws) or "")[-1].ok
    assert audit.verify(ws.conn).ok


def test_crash_inside_the_switch_transaction_switches_nothing(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object) -> int:
        raise Crash

    monkeypatch.setattr(deploy, "_insert", fail)
    before = len(audit.entries(ws.conn))
    with pytest.raises(Crash):
        deploy.promote(ws, "alice", "1.1.0", reason="crash test")
    assert stages(ws) == {"1.2.0": "candidate", "1.1.0": "candidate", "1.0.0": "production"}
    assert len(deploy.history(ws)) == 1
    assert len(audit.entries(ws.conn)) == before


def test_cancel_during_checks_changes_nothing(ws: Workspace) -> None:
    ctx = JobContext()

    def cancel(step: CheckResult) -> None:
        if step.name == "safe_load":
            ctx.cancel()

    with pytest.raises(JobCancelled):
        deploy.promote(ws, "alice", "1.1.0", reason="cancel", ctx=ctx, on_step=cancel)
    assert production(ws) == "1.0.0"
    assert len(deploy.history(ws)) == 1


def test_first_production_registration_starts_the_history(workspace: Workspace) -> None:
    register(workspace, "0.1.0", stage="production")
    (first,) = deploy.history(workspace)
    assert (first.kind, first.from_version, first.to_version) == ("promote", None, "0.1.0")
    assert deploy.was_in_production(workspace) == {"0.1.0"}
    assert deploy.previous_production(workspace) is None
