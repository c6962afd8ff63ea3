"""``console drift``: JSON contract, exit codes, bad input."""

from __future__ import annotations

import json

import pytest

from console.cli import main
from console.core.base.workspace import Workspace
from tests.core.drift.test_drift_report import drift_ws  # noqa: F401 - the fixture


def run(ws: Workspace, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["-w", str(ws.root), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_drift_json_has_the_contract_and_exit_1_on_dataset_drift(
    drift_ws: Workspace,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(drift_ws, capsys, "drift", "--current", "last:2", "--json")
    doc = json.loads(out)
    assert code == 1
    assert doc["dataset_drift"] is True
    assert {"share_drifted", "multivariate", "columns", "drifted_columns"} <= set(doc)
    for col in doc["columns"]:
        assert {"method", "statistic", "p_value", "threshold", "drifted", "status"} <= set(col)
    code, out, _ = run(
        drift_ws, capsys, "drift", "--current", "window:2026-11-01..2026-11-02", "--no-store"
    )
    assert code == 0
    assert "no dataset drift" in out
    code, out, _ = run(drift_ws, capsys, "drift", "history", "--json")
    assert code == 0
    assert len(json.loads(out)["runs"]) == 1


def test_drift_concept_json(drift_ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    code, out, _ = run(drift_ws, capsys, "drift", "concept", "--json")
    doc = json.loads(out)
    assert code in (0, 1)
    assert doc["detectors"] == ["ddm", "page_hinkley"]
    assert isinstance(doc["detections"], list)
    assert doc["timeline"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drift", "--method", "amount"], "write FEATURE=METHOD"),
        (["drift", "--method", "amount=psi:x"], "not a number"),
        (["drift", "--alpha", "1.5"], "drift.alpha"),
        (["drift", "--current", "nowhere.parquet"], "file not found"),
        (["drift", "concept", "--start", "yesterday"], "not a date"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    drift_ws: Workspace,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, _, err = run(drift_ws, capsys, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert drift_ws.conn.execute("SELECT COUNT(*) FROM drift_runs").fetchone()[0] == 0


def test_viewer_is_denied_with_exit_3(
    drift_ws: Workspace,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drift_ws.set_role("alice", "bob", "viewer")
    monkeypatch.setenv("CONSOLE_USER", "bob")
    code, _, err = run(drift_ws, capsys, "drift")
    assert code == 3
    assert "permission denied" in err
