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


def test_overlapping_windows_are_refused_with_the_reason(
    drift_ws: Workspace,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(drift_ws, capsys, "drift", "--reference", "last:2", "--current", "last:1")
    assert code == 2
    assert "overlap on day 2026-11-06" in err
    assert "--reference window:2026-11-05..2026-11-05" in err
    assert "--allow-overlap" in err
    assert err.count("\n") == 1
    code, out, _ = run(
        drift_ws, capsys, "drift", "--reference", "last:2", "--current", "last:1",
        "--allow-overlap", "--no-store", "--json",
    )  # fmt: skip
    assert code in (0, 1)
    assert json.loads(out)["n_current"] > 0
    code, _, err = run(drift_ws, capsys, "drift", "--reference", "last:1", "--current", "last:1")
    assert code == 2
    assert "are the same data" in err


def test_window_of_one_day(drift_ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    code, out, _ = run(
        drift_ws, capsys, "drift", "--reference", "window:2026-11-01",
        "--current", "window:2026-11-02", "--no-store", "--json",
    )  # fmt: skip
    doc = json.loads(out)
    assert code in (0, 1)
    assert doc["reference"] == "day 2026-11-01"
    assert doc["current"] == "day 2026-11-02"
    code, out, _ = run(
        drift_ws, capsys, "drift", "--reference", "window:2026-11-01..2026-11-01",
        "--current", "window:2026-11-02..2026-11-02", "--no-store", "--json",
    )  # fmt: skip
    assert json.loads(out)["n_current"] == doc["n_current"] > 500


def test_help_lists_the_gates(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["drift", "--help"])
    out = capsys.readouterr().out
    for needle in ("KS distance >= 0.02", "Wasserstein >= 0.1", "moved >= 2 points",
                   "missing rate moved >= 2 points", "FEATURE=METHOD[:THRESHOLD[:GATE]]",
                   "--allow-overlap"):  # fmt: skip
        assert needle in out


def test_text_table_labels_raw_and_corrected_p_and_method_gate(
    drift_ws: Workspace,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        drift_ws, capsys, "drift", "--current", "last:2", "--no-store",
        "--method", "amount=ks:0.01:off",
    )  # fmt: skip
    assert code in (0, 1)
    assert "p raw" in out
    assert "p holm" in out
    assert "Gates: a feature drifts when its test is significant (p < 0.05 (holm" in out
    assert "amount: ks threshold 0.01 gate off" in out
    row = next(line for line in out.splitlines() if line.startswith("amount "))
    assert " off " in row
    code, out, _ = run(drift_ws, capsys, "drift", "--current", "last:2", "--no-store", "--json",
                       "--method", "amount=ks:0.01:0.3")  # fmt: skip
    amount = next(c for c in json.loads(out)["columns"] if c["name"] == "amount")
    assert amount["gate"] == 0.3
    assert amount["threshold"] == 0.01
    assert {s["name"] for s in amount["signals"]} >= {"ks_p_value", "ks_distance", "psi"}
    assert json.loads(out)["settings"]["gates"][0].startswith("a feature drifts")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drift", "--method", "amount=psi:0.2:0.1"], "only the tests ks and chi2 have"),
        (["drift", "--method", "amount=ks:0.05:x"], "gate 'x' is not a number"),
        (["drift", "--method", "nope=ks"], "'nope' is not a feature"),
        (["drift", "--current", "window:2026-13-01"], "month must be in 1..12"),
    ],
)
def test_bad_gates_and_windows_exit_2(
    drift_ws: Workspace,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, _, err = run(drift_ws, capsys, *argv)
    assert code == 2
    assert message in err


def test_without_a_production_model_exit_2_says_what_to_pass(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(workspace, capsys, "drift")
    assert code == 2
    assert "no model is in production" in err
    assert "pass --reference dataset:VERSION" in err
    assert "window:START..END, last:N or a .csv/.parquet file" in err
