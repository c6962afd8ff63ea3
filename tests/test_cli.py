"""The CLI contract: --json documents, exit codes 0/1/2/3, one-line errors, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console import cli
from console.commands import workspace_cmds
from tests.conftest import make_predictions


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ws_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    root = tmp_path / "ws"
    assert run(capsys, "-w", str(root), "init")[0] == 0
    return root


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("gui", "init", "ingest", "status", "batches", "users", "audit"):
        assert command in out


def test_init_json_and_refuses_second_init(tmp_path: Path, capsys) -> None:
    root = tmp_path / "ws"
    code, out, _ = run(capsys, "-w", str(root), "init", "--json")
    assert code == 0
    assert json.loads(out) == {"workspace": str(root.resolve()), "admin": "alice", "demo": None}
    code, out, err = run(capsys, "-w", str(root), "init")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "already exists and is a workspace" in err


def test_init_with_bad_config_file(tmp_path: Path, capsys) -> None:
    config = tmp_path / "site.toml"
    config.write_text("config_version = 1\n[thresholds]\nf1 = 0.5\n")
    code, _, err = run(capsys, "-w", str(tmp_path / "ws"), "init", "--config", str(config))
    assert code == 2
    assert "thresholds.f1: unknown key" in err
    assert not (tmp_path / "ws").exists()


def test_status_json_on_empty_workspace(ws_root: Path, capsys) -> None:
    code, out, _ = run(capsys, "-w", str(ws_root), "status", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["role"] == "admin"
    assert report["production_model"] is None
    assert report["data"]["predictions"] == 0
    assert report["data"]["last_ingest"] is None


def test_ingest_then_status_and_batches(ws_root: Path, tmp_path: Path, capsys) -> None:
    frame = make_predictions(days=1, per_day=100)
    path = tmp_path / "p.csv"
    frame.drop(columns="is_fraud").to_csv(path, index=False)
    code, out, _ = run(capsys, "-w", str(ws_root), "ingest", "predictions", str(path), "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["outcome"], result["rows"]) == ("ok", len(frame))
    code, out, _ = run(capsys, "-w", str(ws_root), "status")
    assert f"Predictions: {len(frame):,}" in out
    code, out, _ = run(capsys, "-w", str(ws_root), "batches", "--json")
    assert [b["outcome"] for b in json.loads(out)["batches"]] == ["ok"]


def test_bad_file_exit_2_one_line(ws_root: Path, tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("transaction_id,label\n")
    code, out, err = run(capsys, "-w", str(ws_root), "ingest", "predictions", str(path))
    assert code == 2
    assert out == ""
    assert err == f"console: {path}: missing column(s): " + err.split("missing column(s): ")[1]
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_permission_denied_exit_3(ws_root: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CONSOLE_USER", "bob")
    code, _, err = run(capsys, "-w", str(ws_root), "users", "set-role", "bob", "admin")
    assert code == 3
    assert err == "console: permission denied: bob (viewer) may not user.set_role\n"


def test_audit_verify_exit_1_when_broken(ws_root: Path, capsys) -> None:
    import sqlite3

    assert run(capsys, "-w", str(ws_root), "audit", "verify")[0] == 0
    conn = sqlite3.connect(ws_root / "console.db")
    conn.execute("UPDATE audit SET user = 'mallory' WHERE seq = 1")
    conn.commit()
    conn.close()
    code, out, _ = run(capsys, "-w", str(ws_root), "audit", "verify", "--json")
    assert code == 1
    assert json.loads(out)["first_bad"] == 1


def test_usage_error_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["ingest", "pictures", "x.csv"])
    assert done.value.code == 2
    assert "invalid choice: 'pictures'" in capsys.readouterr().err


def test_missing_workspace_exit_2(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "-w", str(tmp_path / "none"), "status")
    assert code == 2
    assert "not a console workspace" in err
    assert "console init" in err


def test_internal_error_exit_4_without_traceback(ws_root: Path, capsys, monkeypatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(workspace_cmds, "run_status", broken)
    code, _, err = run(capsys, "-w", str(ws_root), "status")
    assert code == 4
    assert "internal error: RuntimeError: disk on fire" in err
    assert "Traceback" not in err
    assert "disk on fire" in (ws_root / "logs" / "console.log").read_text()


def test_entry_point_runs_as_module(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "console", "-w", str(tmp_path / "x"), "status", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "not a console workspace" in done.stderr
