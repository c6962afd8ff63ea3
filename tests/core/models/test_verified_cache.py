"""The pre-verification cache: a switch re-checks only what can have changed, and a
changed artifact, golden set or library is never taken on trust."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.core.base import events
from console.core.base.workspace import Workspace
from console.core.models import deploy, registry, verified_cache
from console.core.models import deploy_checks as verification
from tests.core.registry_helpers import copy_of, shared_template

REUSED = "pre-verified"
#: what a cold rollback of a pre-verified version must not need
HEAVY = ("sklearn", "skops", "numpy", "pandas", "pyarrow", "scipy")


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    """1.1.0 promoted over 1.0.0 (so 1.0.0 is the rollback target); no service."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)
    workspace = copy_of(shared_template(), tmp_path / "ws")
    assert deploy.promote(workspace, "alice", "1.1.0", reason="newer").outcome == "switched"
    yield workspace
    workspace.close()


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The versions skops actually loads from here on."""
    seen: list[str] = []
    real = registry.load_bytes

    def spy(model: registry.ModelVersion, data: bytes) -> Any:
        seen.append(model.version)
        return real(model, data)

    monkeypatch.setattr(registry, "load_bytes", spy)
    return seen


def _details(result: deploy.Deployment) -> dict[str, str]:
    return {c.name: c.detail for c in result.checks}


def test_preverified_rollback_rehashes_but_does_not_load(ws: Workspace, loads: list[str]) -> None:
    assert deploy.preverified(ws, "1.0.0") is None
    checks = deploy.preverify(ws, "alice")  # the previous production version: 1.0.0
    assert [c.name for c in checks] == list(verification.STEPS)
    assert all(c.ok for c in checks)
    assert loads == ["1.0.0"]
    cached = deploy.preverified(ws, "1.0.0")
    assert cached is not None
    assert cached.fitted is not None
    assert "amount" in cached.fitted
    assert deploy.preverify(ws, "alice")[1].detail.endswith(
        "(same artifact, file and libraries)"
    )  # a second pre-verification re-runs nothing
    back = deploy.rollback(ws, "alice", reason="1.1.0 misses fraud")
    assert (back.outcome, back.to_version) == ("switched", "1.0.0")
    assert loads == ["1.0.0"]  # not loaded again for the switch
    details = _details(back)
    assert "matches" in details["artifact_hash"]
    assert REUSED not in details["artifact_hash"]
    assert REUSED not in details["input_schema"]
    for step in verification.REUSABLE:
        assert REUSED in details[step], details[step]


def test_changed_artifact_invalidates_the_cache_and_is_refused(
    ws: Workspace, loads: list[str]
) -> None:
    deploy.preverify(ws, "alice", "1.0.0")
    path = ws.root / registry.require(ws, "1.0.0").path
    data = bytearray(path.read_bytes())
    data[200] ^= 0xFF
    path.write_bytes(bytes(data))
    assert deploy.preverified(ws, "1.0.0") is None
    back = deploy.rollback(ws, "alice", reason="try")
    assert back.outcome == "refused"
    assert back.checks[-1].name == "artifact_hash"
    assert "SHA-256 mismatch" in back.checks[-1].detail
    assert registry.require(ws, "1.1.0").stage == "production"


def test_same_size_rewrite_with_old_mtime_is_still_refused(ws: Workspace) -> None:
    """Size and mtime alone never vouch for the bytes: the hash is always checked."""
    deploy.preverify(ws, "alice", "1.0.0")
    path = ws.root / registry.require(ws, "1.0.0").path
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert deploy.preverified(ws, "1.0.0") is not None  # looks unchanged from outside…
    back = deploy.rollback(ws, "alice", reason="try")
    assert (back.outcome, back.checks[-1].name) == ("refused", "artifact_hash")  # …but is not


def test_another_artifact_under_the_same_version_is_fully_checked(
    ws: Workspace, loads: list[str]
) -> None:
    """Someone who rewrites both the file and its recorded hash gains nothing: the key
    changes, so the artifact is loaded and scored against the golden set again."""
    deploy.preverify(ws, "alice", "1.0.0")
    other = registry.require(ws, "1.1.0")
    with ws.conn:
        ws.conn.execute(
            "UPDATE models SET path = ?, sha256 = ?, trusted = ? WHERE version = '1.0.0'",
            (other.path, other.sha256, json.dumps(other.trusted)),
        )
    loads.clear()
    back = deploy.rollback(ws, "alice", reason="try")
    assert loads == ["1.0.0"]
    assert (back.outcome, back.checks[-1].name) == ("refused", "known_answer")
    assert verified_cache.recorded(ws, "1.0.0") is None  # the failed full run forgot it


def test_new_library_versions_mean_a_full_check(
    ws: Workspace, loads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy.preverify(ws, "alice", "1.0.0")
    upgraded = verified_cache.library_versions() + " scikit-learn-next=9.9"
    monkeypatch.setattr(verified_cache, "library_versions", lambda: upgraded)
    loads.clear()
    back = deploy.rollback(ws, "alice", reason="after an upgrade")
    assert back.outcome == "switched"
    assert loads == ["1.0.0"]
    assert not any(REUSED in c.detail for c in back.checks)
    cached = verified_cache.recorded(ws, "1.0.0")
    assert cached is not None
    assert cached.key.libraries == upgraded


def test_tampered_golden_set_is_refused_even_when_cached(ws: Workspace) -> None:
    deploy.preverify(ws, "alice", "1.0.0")
    golden = ws.root / (registry.require(ws, "1.0.0").golden_path or "")
    golden.write_bytes(golden.read_bytes() + b"x")
    back = deploy.rollback(ws, "alice", reason="try")
    assert (back.outcome, back.checks[-1].name) == ("refused", "known_answer")
    assert "golden set is corrupt" in back.checks[-1].detail


def test_schema_change_is_caught_even_when_cached(ws: Workspace) -> None:
    deploy.preverify(ws, "alice", "1.0.0")
    schema = ws.config.data_schema
    features = {k: v for k, v in schema.features.items() if k != "hour"}
    changed = schema.model_copy(update={"features": features})
    ws.config = ws.config.model_copy(update={"data_schema": changed})
    back = deploy.rollback(ws, "alice", reason="try")
    assert (back.outcome, back.checks[-1].name) == ("refused", "input_schema")


def test_full_verify_ignores_the_cache(ws: Workspace, loads: list[str]) -> None:
    assert verified_cache.recorded(ws, "1.1.0") is not None  # its promote passed in full
    assert verified_cache.recorded(ws, "1.0.0") is None
    deploy.preverify(ws, "alice", "1.0.0")
    loads.clear()
    checks = deploy.verify(ws, "alice", "1.0.0")
    assert loads == ["1.0.0"]
    assert not any(REUSED in c.detail for c in checks)


def test_a_switch_publishes_deployed(ws: Workspace) -> None:
    seen: list[events.Event] = []
    stop = events.subscribe("deployed", seen.append)
    try:
        deploy.rollback(ws, "alice", reason="back")
    finally:
        stop()
    assert len(seen) == 1
    details = seen[0].details
    assert (details["version"], details["previous"], details["action"]) == (
        "1.0.0",
        "1.1.0",
        "rollback",
    )


def test_cold_cli_rollback_of_a_preverified_version_imports_no_model_library(
    ws: Workspace,
) -> None:
    """The fast path from a fresh process: no model or data library is imported."""
    deploy.preverify(ws, "alice", "1.0.0")
    probe = (
        f"import sys; HEAVY = {HEAVY!r}; from console import cli; "
        "code = cli.main(['-w', sys.argv[1], 'models', 'rollback', '--reason', 'cold', '--json']);"
        "heavy = sorted(m for m in HEAVY if m in sys.modules);"
        "print('HEAVY', heavy, file=sys.stderr); sys.exit(code)"
    )
    env = {**os.environ, "CONSOLE_USER": "alice"}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(ws.root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["to_version"] == "1.0.0"
    assert "HEAVY []" in done.stderr
