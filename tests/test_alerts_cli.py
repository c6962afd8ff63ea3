"""``console alerts``: evaluate headless, list, ack, silence, history; exit codes 0/1/2/3."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from console import cli
from console.core.alerts import engine
from console.core.base import clock
from console.core.base.alert_rules import parse_settings
from console.core.base.config import Thresholds
from console.core.models import deploy
from console.core.models import deploy_checks as verification
from console.core.monitoring.checks import Check, CheckReport
from tests.core.alerts.test_alerts_evidence import log_scored_by
from tests.core.registry_helpers import copy_of, shared_template


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ws_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    root = tmp_path / "ws"
    assert run(capsys, "-w", str(root), "init")[0] == 0
    # [alerts] is read from console.toml once the integrator lets Config accept the
    # table; until then the CLI is driven with the same table parsed directly.
    rules = {
        n: {"enabled": False}
        for n in (
            "service_errors",
            "jobs_failed",
            "disk_full",
            "ingest_overdue",
            "ingest_refused",
            "data_drift",
            "cpu_high",
            "memory_high",
            "disk_high",
            "f1_drop",
            "fpr_critical",
            "access",
            "access_burst",
            "backup_failed",
            "unlogged_records",
        )
    }
    monkeypatch.setattr(
        engine, "load_settings", lambda ws: parse_settings({"rules": rules}, Thresholds(), "t")
    )

    def latest(ws: object) -> CheckReport:
        return CheckReport(7, clock.iso(), [Check("f1", 0.61, 0.7, "critical", "F1", 900, "1d")])

    monkeypatch.setattr(engine, "latest_report", latest)
    return root


def test_evaluate_list_ack_history(ws_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = ["-w", str(ws_root)]
    code, out, _ = run(capsys, *w, "alerts", "evaluate", "--json")
    assert code == 1  # a critical fires
    doc = json.loads(out)
    assert {(e["rule"], e["kind"]) for e in doc["events"]} == {
        ("f1_critical", "fired"),
        ("f1_warning", "fired"),
    }
    code, out, _ = run(capsys, *w, "alerts", "list")
    assert code == 1
    assert "CRITICAL firing   f1_critical" in out
    assert "inhibited by the critical alert f1_critical" in out
    code, out, _ = run(capsys, *w, "alerts", "ack", "f1_critical", "--note", "retraining")
    assert code == 0
    assert "Acknowledged f1_critical" in out
    code, out, _ = run(capsys, *w, "alerts", "history", "--kind", "acknowledged", "--json")
    [event] = json.loads(out)["events"]
    assert (event["rule"], event["user"], event["detail"]) == ("f1_critical", "alice", "retraining")
    code, out, _ = run(capsys, *w, "alerts", "evaluate")
    assert code == 1
    assert out.startswith("0 alert event(s); 2 open alert(s).")


def test_silence_and_unsilence(ws_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    w = ["-w", str(ws_root)]
    code, out, _ = run(
        capsys,
        *w,
        "alerts",
        "silence",
        "--match",
        "rule=f1_*",
        "--for",
        "2h",
        "--reason",
        "model retraining",
        "--json",
    )
    assert code == 0
    silence = json.loads(out)
    assert silence["matcher"] == {"rule": "f1_*"}
    run(capsys, *w, "alerts", "evaluate")
    code, out, _ = run(capsys, *w, "alerts", "list", "--json")
    assert {a["silenced_by"] for a in json.loads(out)["alerts"]} == {silence["id"]}
    code, out, _ = run(capsys, *w, "alerts", "silences")
    assert "rule=f1_*" in out
    assert "model retraining" in out
    assert run(capsys, *w, "alerts", "unsilence", str(silence["id"]))[0] == 0
    code, out, _ = run(capsys, *w, "alerts", "silences", "--json")
    assert json.loads(out) == {"silences": []}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ack", "nope"], "alert 'nope': no such alert"),
        (["silence", "--match", "colour=red", "--for", "1h", "--reason", "x"], "KEY=GLOB"),
        (["silence", "--match", "rule=x", "--for", "soon", "--reason", "x"], "--for:"),
        (["silence", "--match", "rule=x", "--until", "yesterday", "--reason", "x"], "--until:"),
        (["unsilence", "42"], "silence 42: no such silence"),
        (["history", "--since", "a while"], "--since:"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    ws_root: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "-w", str(ws_root), "alerts", *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1


def test_viewer_is_denied(
    ws_root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "-w", str(ws_root), "alerts", "evaluate")
    monkeypatch.setenv("CONSOLE_USER", "victor")  # not in the users table: viewer
    code, _, err = run(capsys, "-w", str(ws_root), "alerts", "ack", "f1_critical")
    assert code == 3
    assert "permission denied" in err
    assert run(capsys, "-w", str(ws_root), "alerts", "list")[0] == 1  # reading is allowed


def test_list_marks_alerts_whose_evidence_predates_the_rollback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text and JSON say what the window says: this F1 judged 1.1.0, now rolled back."""
    monkeypatch.setattr(deploy, "_running_service", lambda _ws: None)
    monkeypatch.setattr(verification, "LATENCY_CALLS", 5)
    monkeypatch.setattr(verification, "LATENCY_P99_MS", 10_000.0)
    ws = copy_of(shared_template(), tmp_path / "ws")
    try:
        deploy.promote(ws, "alice", "1.1.0", reason="retrained")
        day = clock.now().date() - timedelta(days=1)
        log_scored_by(ws, tmp_path, "1.1.0", day)
        check = Check("f1", 0.41, 0.7, "critical", "F1", 900, str(day))
        engine.evaluate(ws, "alice", CheckReport(1, clock.iso(), [check]))
    finally:
        ws.close()
    w = ["-w", str(tmp_path / "ws")]
    code, out, _ = run(capsys, *w, "alerts", "list")
    assert code == 1
    assert "f1_critical" in out
    assert "evidence from before" not in out  # it judges 1.1.0, in production
    code, out, _ = run(capsys, *w, "alerts", "list", "--json")
    (f1,) = [a for a in json.loads(out)["alerts"] if a["rule"] == "f1_critical"]
    assert f1["stale_evidence"] is None
    assert run(capsys, *w, "models", "rollback", "--reason", "F1 critical")[0] == 0
    code, out, _ = run(capsys, *w, "alerts", "list")
    assert code == 1  # still firing: nothing new has shown the problem gone
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "f1_critical" in line)
    assert lines[at + 1].strip().startswith("evidence from before the rollback to 1.0.0 at ")
    assert "UTC; awaiting labels (no estimate for 1.0.0 yet)" in lines[at + 1]
    code, out, _ = run(capsys, *w, "alerts", "list", "--json")
    (f1,) = [a for a in json.loads(out)["alerts"] if a["rule"] == "f1_critical"]
    stale = f1["stale_evidence"]
    assert stale["note"].startswith("evidence from before the rollback to 1.0.0 at ")
    assert (stale["production"], stale["scored_by"]) == ("1.0.0", "1.1.0")
