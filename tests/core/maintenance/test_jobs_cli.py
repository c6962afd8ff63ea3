"""``console jobs``: list, run, run-due, history, show, schedule; the CLI contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from console.cli import main
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.maintenance import catalog


def _cli(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, Any, str]:
    code = main(["--workspace", str(root), "jobs", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in args and out else out), err


def test_jobs_list_run_history_show(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    def work(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
        return {"summary": "drift found", "ok": False, "findings": ["amount drifted"]}

    spec = catalog.SPECS["drift"]
    monkeypatch.setitem(catalog.SPECS, "drift", catalog.JobSpec("drift", spec.title, "", work,
                                                                  lambda ws: {}))  # fmt: skip
    root = workspace.root
    code, data, _ = _cli(capsys, root, "list", "--json")
    assert code == 0
    assert [s["name"] for s in data["schedules"]] == list(catalog.SPECS)
    assert data["schedules"][0]["next_run"] is not None
    code, data, _ = _cli(capsys, root, "run", "drift", "--json")
    assert code == 1  # the job found a problem
    assert data["state"] == "done"
    assert data["report"]["findings"] == ["amount drifted"]
    code, data, _ = _cli(capsys, root, "history", "--json")
    assert code == 0
    assert [r["kind"] for r in data["runs"]] == ["drift"]
    page = tmp_path / "run.html"
    code, text, _ = _cli(capsys, root, "show", str(data["runs"][0]["id"]), "--html", str(page))
    assert code == 0
    assert "drift found" in text
    assert "- amount drifted" in text
    assert "<li>amount drifted</li>" in page.read_text()
    code, data, _ = _cli(capsys, root, "run-due", "--json")
    assert code == 0
    assert data["ran"] == []


def test_jobs_bad_input_and_roles(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = workspace.root
    code, _, err = _cli(capsys, root, "show", "99")
    assert code == 2
    assert "job run 99 does not exist" in err
    code, _, err = _cli(capsys, root, "schedule", "drift", "61 * * * *")
    assert code == 2
    assert err.count("\n") == 1
    assert "not a cron expression" in err
    code, data, _ = _cli(capsys, root, "schedule", "drift", "0 5 * * 2", "--json")
    assert code == 0
    assert data["expression"] == "0 5 * * 2"
    workspace.set_role("alice", "vera", "viewer")
    monkeypatch.setenv("CONSOLE_USER", "vera")
    code, _, err = _cli(capsys, root, "run", "daily_checks")
    assert code == 3
    assert "permission denied" in err
