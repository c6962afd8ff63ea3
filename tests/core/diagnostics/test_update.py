"""console update: a new environment from a wheelhouse, checked before the switch, and
one step back; a tampered wheelhouse changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from console.cli import main
from console.core.base import audit
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.diagnostics import update

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def install_root(tmp_path: Path) -> Path:
    """A folder laid out like an installation: the script, two environments, links."""
    root = tmp_path / "install"
    (root / "packaging").mkdir(parents=True)
    shutil.copy(REPO / "packaging" / "wheelhouse.sh", root / "packaging" / "wheelhouse.sh")
    for name in ("env-a", "env-b"):
        (root / ".venv.d" / name / "bin").mkdir(parents=True)
        os.symlink(sys.executable, root / ".venv.d" / name / "bin" / "python")
    os.symlink(".venv.d/env-b", root / ".venv")
    os.symlink(".venv.d/env-a", root / ".venv.previous")
    return root


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.create(tmp_path / "ws", "alice")
    workspace.set_role("alice", "olga", "operator")
    return workspace


def test_back_switches_to_the_previous_environment_and_is_audited(
    ws: Workspace, install_root: Path
) -> None:
    result = update.back(ws, "alice", root=install_root)
    assert os.readlink(install_root / ".venv") == ".venv.d/env-a"
    assert os.readlink(install_root / ".venv.previous") == ".venv.d/env-b"
    assert (result.environment, result.previous) == (".venv.d/env-a", ".venv.d/env-b")
    [entry] = audit.entries(ws.conn, action="system.update")
    assert entry.details["kind"] == "back"
    assert update.history(ws)[0]["environment"] == ".venv.d/env-a"


def test_a_tampered_wheel_is_refused_and_nothing_changes(
    ws: Workspace, install_root: Path, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheelhouse"
    wheels.mkdir()
    (wheels / "tinypkg-1.0-py3-none-any.whl").write_bytes(b"not the wheel that was locked")
    (wheels / "requirements.lock").write_text("tinypkg==1.0 --hash=sha256:" + "0" * 64 + "\n")
    before = sorted(p.name for p in (install_root / ".venv.d").iterdir())
    with pytest.raises(BadInput, match="does not match its SHA-256"):
        update.update(ws, "alice", wheels, root=install_root)
    assert os.readlink(install_root / ".venv") == ".venv.d/env-b"
    assert sorted(p.name for p in (install_root / ".venv.d").iterdir()) == before
    assert audit.entries(ws.conn, action="system.update") == []


def test_a_wheelhouse_without_its_lock_is_refused(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"no requirements\.lock"):
        update.update(ws, "alice", tmp_path)


def test_only_an_admin_updates(ws: Workspace, install_root: Path) -> None:
    with pytest.raises(PermissionDenied):
        update.back(ws, "olga", root=install_root)
    assert os.readlink(install_root / ".venv") == ".venv.d/env-b"


def test_cli_names_a_missing_drive(
    ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws.close()
    code = main(["-w", str(tmp_path / "ws"), "update", "--wheelhouse", str(tmp_path / "usb")])
    assert code == 2
    assert "no such folder" in capsys.readouterr().err


def test_cli_history_is_json(
    ws: Workspace, install_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    update.back(ws, "alice", root=install_root)
    ws.close()
    code = main(["-w", str(tmp_path / "ws"), "update", "--history", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["updates"][0]["kind"] == "back"
