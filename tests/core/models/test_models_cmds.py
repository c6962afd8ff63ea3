"""``console models …``: JSON documents, exit codes and one-line errors over the registry."""

from __future__ import annotations

import json
import pickle  # noqa: TID251 - only to write a hostile file that must never be loaded
from pathlib import Path

import pytest

from console import cli
from console.core.base.workspace import Workspace
from console.core.models import deploy, registry
from console.core.models import deploy_checks as verification
from tests.core.registry_helpers import copy_of, shared_template, trained


@pytest.fixture
def template() -> Path:
    return shared_template()


@pytest.fixture
def root(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)  # a busy test box
    copy_of(template, tmp_path / "ws").close()
    return tmp_path / "ws"


def run(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["-w", str(root), "models", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_show_and_history_as_json(root: Path, capsys) -> None:
    code, out, _ = run(capsys, root, "list", "--json")
    assert code == 0
    assert [v["version"] for v in json.loads(out)["versions"]] == ["1.2.0", "1.1.0", "1.0.0"]
    code, out, _ = run(capsys, root, "show", "1.1.0", "--json")
    card = json.loads(out)
    assert (code, card["version"], card["golden_set"]["rows"]) == (0, "1.1.0", 300)
    code, out, _ = run(capsys, root, "history", "--json")
    assert [d["to_version"] for d in json.loads(out)["deployments"]] == ["1.0.0"]
    code, out, _ = run(capsys, root, "list")
    assert "1.0.0     production" in out


def test_promote_then_rollback_without_a_version_number(root: Path, capsys) -> None:
    code, out, _ = run(capsys, root, "promote", "1.1.0", "--reason", "better recall")
    assert code == 0
    assert "[ok  ] known_answer  300 golden rows reproduce" in out
    assert "Production is now 1.1.0 (was 1.0.0)" in out
    code, out, _ = run(capsys, root, "rollback", "--reason", "F1 dropped", "--json")
    result = json.loads(out)
    assert (code, result["to_version"], result["outcome"]) == (0, "1.0.0", "switched")
    assert [c["name"] for c in result["checks"]][-2:] == ["switch", "smoke_test"]
    code, _, err = run(capsys, root, "rollback", "--reason", "again")
    assert code == 2
    assert err == "console: no earlier production version to roll back to (production is 1.0.0)\n"


def test_failed_checks_exit_1_and_keep_production(root: Path, capsys) -> None:
    with Workspace.open(root) as ws:
        path = ws.root / registry.require(ws, "1.2.0").path
    path.write_bytes(path.read_bytes() + b"tampered")
    code, out, _ = run(capsys, root, "verify", "1.2.0")
    assert code == 1
    assert "[FAIL] artifact_hash" in out
    code, out, _ = run(capsys, root, "promote", "1.2.0", "--reason", "try", "--json")
    assert (code, json.loads(out)["outcome"]) == (1, "refused")
    with Workspace.open(root) as ws:
        assert registry.production(ws).version == "1.0.0"  # type: ignore[union-attr]


def test_register_refuses_a_pickle_and_denies_operators(
    root: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "code-ran"
    hostile = tmp_path / "model.pkl"
    hostile.write_bytes(pickle.dumps(_WritesAFile(str(marker))))
    args = ("register", str(hostile), "--bump", "minor", "--notes", "n", "--threshold", "0.5")
    code, _, err = run(capsys, root, *args)
    assert code == 2
    assert "is a pickle/joblib file" in err
    assert err.count("\n") == 1
    assert not marker.exists()
    monkeypatch.setenv("CONSOLE_USER", "olga")  # not in the workspace: viewer
    code, _, err = run(capsys, root, "promote", "1.1.0", "--reason", "r")
    assert code == 3
    assert "permission denied: olga (viewer) may not model.promote" in err


def test_register_a_skops_file_from_the_command_line(root: Path, tmp_path: Path, capsys) -> None:
    import skops.io as sio

    model = tmp_path / "m.skops"
    sio.dump(trained(1).pipeline, model)
    golden = tmp_path / "golden.parquet"
    trained(1).holdout.head(20).to_parquet(golden)
    code, out, err = run(
        capsys,
        root,
        "register",
        str(model),
        "--bump",
        "major",
        "--notes",
        "new features",
        "--threshold",
        "0.4",
        "--golden",
        str(golden),
        "--json",
    )
    assert code == 0, err
    registered = json.loads(out)
    assert (registered["version"], registered["stage"], registered["golden_rows"]) == (
        "2.0.0",
        "candidate",
        20,
    )


class _WritesAFile:
    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))
