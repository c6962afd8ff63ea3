"""``console check``, ``console metrics`` and ``console system`` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console import cli
from console.core.base.workspace import Workspace
from tests.core.monitoring_helpers import fake_partners, fill


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    fake_partners(monkeypatch)
    path = tmp_path / "ws"
    with Workspace.create(path, "alice") as ws:
        fill(ws, days=3, per_day=200)
    return path


def test_check_json_is_stored_and_exit_reflects_status(root: Path, capsys, tmp_path) -> None:
    html = tmp_path / "daily.html"
    code, out, _ = run(capsys, "-w", str(root), "check", "--json", "--html", str(html))
    data = json.loads(out)
    assert code == (1 if data["status"] == "critical" else 0)
    assert {c["name"] for c in data["checks"]} >= {"f1", "fpr", "backup_age", "data_drift"}
    assert html.read_text().startswith("<!DOCTYPE html>")
    code, out, _ = run(capsys, "-w", str(root), "check", "--last", "--json")
    assert json.loads(out)["id"] == data["id"]


def test_check_text_lists_every_check(root: Path, capsys) -> None:
    _, out, _ = run(capsys, "-w", str(root), "check")
    assert out.startswith("Daily checks")
    assert "backup_age" in out
    assert "no backup" in out


def test_check_last_without_report_is_bad_input(root: Path, capsys) -> None:
    code, out, err = run(capsys, "-w", str(root), "check", "--last")
    assert code == 2
    assert out == ""
    assert "no check report is stored yet" in err


def test_check_denied_for_a_viewer(root: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CONSOLE_USER", "mallory")
    code, _, err = run(capsys, "-w", str(root), "check")
    assert code == 3
    assert "may not check.run" in err


def test_metrics_windows_and_segments(root: Path, capsys) -> None:
    code, out, _ = run(capsys, "-w", str(root), "metrics", "--window", "day", "--json")
    rows = json.loads(out)["windows"]
    assert code == 0
    assert len(rows) == 3
    assert rows[0]["window"].startswith("2026-11-01")
    code, out, _ = run(capsys, "-w", str(root), "metrics", "--segments")
    assert code == 0
    assert "channel:" in out
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["-w", str(root), "metrics", "--start", "2026-13-01"])
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_system_takes_and_lists_samples(root: Path, capsys) -> None:
    code, out, _ = run(
        capsys, "-w", str(root), "system", "--sample", "1", "--every", "0.05", "--json"
    )
    samples = json.loads(out)["samples"]
    assert code == 0
    assert len(samples) == 1
    assert 0 <= samples[0]["cpu"] <= 1
    code, _, err = run(capsys, "-w", str(root), "system", "--every", "0")
    assert code == 2
    assert "--every" in err
