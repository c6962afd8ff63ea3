"""Reading and following the console, service and request logs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import warnings

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from console import cli
from console.core.base import log_files
from console.core.base.workspace import Workspace
from console.core.serving import request_log
from console.core.serving.app import build_app
from tests.core.serving.test_serving_app import make_runtime
from tests.core.serving_models import record, with_models

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

SERVICE_LOG = """\
2026-11-30 10:00:00,000 INFO    console.core.serving.server [MainThread] scoring service up
WARNING: uvicorn says something
2026-11-30 10:05:00,000 ERROR   console.core.serving.app [MainThread] scoring failed
Traceback (most recent call last):
  File "x.py", line 1, in <module>
ValueError: boom
"""


def write_logs(ws: Workspace) -> None:
    ws.log_file.write_text(
        "2026-11-30 09:00:00,000 INFO    console.cli [MainThread] started\n"
        "2026-11-30 11:00:00,000 WARNING console.core.alerts [MainThread] alert f1 fired\n"
        "2026-11-30 12:00:00,000 DEBUG   console.core.drift [job] details\n"
    )
    (ws.root / "logs" / "service.log").write_text(SERVICE_LOG)


def test_read_filters_by_source_level_time_and_text(workspace: Workspace) -> None:
    write_logs(workspace)
    every = log_files.read(workspace, log_files.LogFilter())
    assert [r.ts[:16] for r in every] == sorted(r.ts[:16] for r in every)
    assert {r.source for r in every} == {"console", "service"}
    error = next(r for r in every if r.level == "ERROR")
    assert error.message.endswith("ValueError: boom")  # the traceback belongs to its record
    assert error.line == 3
    uvicorn = next(r for r in every if "uvicorn" in r.message)
    assert uvicorn.level == "WARNING"
    warn = log_files.read(workspace, log_files.LogFilter(level="WARNING"))
    assert [r.level for r in warn] == ["WARNING", "ERROR", "WARNING"]
    late = log_files.LogFilter(sources=("console",), since=dt.datetime(2026, 11, 30, 10))
    assert [r.message for r in log_files.read(workspace, late)] == ["alert f1 fired", "details"]
    grep = log_files.LogFilter(text="ALERT")
    assert [r.logger for r in log_files.read(workspace, grep)] == ["console.core.alerts"]


def test_follow_returns_only_new_complete_lines_and_notices_rotation(workspace) -> None:
    write_logs(workspace)
    follower = log_files.Follower(workspace, log_files.LogFilter(sources=("console",)))
    follower.start_at_end()
    assert follower.poll() == []
    logging.getLogger("console.test").warning("fresh news")
    for handler in logging.getLogger("console").handlers:
        handler.flush()
    new = follower.poll()
    assert [r.message for r in new] == ["fresh news"]
    assert follower.poll() == []
    with workspace.log_file.open("a") as fh:
        fh.write("2026-11-30 13:00:00,000 INFO    console.x [T] half")
    assert follower.poll() == []  # not a whole line yet
    workspace.log_file.write_text("2026-11-30 14:00:00,000 INFO    console.x [T] rotated\n")
    assert [r.message for r in follower.poll()] == ["rotated"]


def test_the_service_writes_one_request_line_per_request(workspace: Workspace) -> None:
    with_models(workspace)
    request_log.configure(workspace)
    with TestClient(build_app(make_runtime(workspace, max_batch=3))) as client:
        assert client.post("/v1/predict", json=record(transaction_id="r-1")).status_code == 200
        assert client.post("/v1/predict", json={"records": "nope"}).status_code in (400, 422)
    for handler in request_log.log.handlers:
        handler.flush()
    lines = log_files.read(workspace, log_files.LogFilter(sources=("requests",)))
    assert len(lines) == 2
    assert lines[0].level == "INFO"
    assert lines[0].message.startswith("POST /v1/predict 200 ")
    assert "model=1.0.0" in lines[0].message
    assert lines[1].level == "WARNING"


def test_logs_command(workspace: Workspace, capsys) -> None:
    write_logs(workspace)
    root = str(workspace.root)
    code = cli.main(["-w", root, "logs", "--service", "service", "--level", "error", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [r["message"].splitlines()[0] for r in doc["records"]] == ["scoring failed"]
    code = cli.main(["-w", root, "logs", "--grep", "fired"])
    out = capsys.readouterr().out
    assert code == 0
    assert "WARNING console  console.core.alerts alert f1 fired" in out
    code = cli.main(["-w", root, "logs", "--since", "yesterday-ish"])
    assert code == 2
    assert "--since: 'yesterday-ish' is not a time" in capsys.readouterr().err


@pytest.mark.parametrize("level", ["debug", "INFO", "warning"])
def test_levels_are_case_insensitive(workspace: Workspace, capsys, level) -> None:
    write_logs(workspace)
    code = cli.main(["-w", str(workspace.root), "logs", "--level", level, "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["records"]


def test_follow_prints_new_records_until_interrupted(workspace: Workspace, capsys, monkeypatch):
    write_logs(workspace)
    from console.commands import logs_cmds

    ticks = []

    def sleep(_seconds: float) -> None:
        if ticks:
            raise KeyboardInterrupt
        ticks.append(1)
        with workspace.log_file.open("a") as fh:
            fh.write("2026-11-30 13:00:00,000 ERROR   console.x [T] appended later\n")

    monkeypatch.setattr(logs_cmds.time, "sleep", sleep)
    code = cli.main(["-w", str(workspace.root), "logs", "--grep", "later", "-f", "--json"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [json.loads(line)["message"] for line in lines] == ["appended later"]
