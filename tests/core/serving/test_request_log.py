"""The service's request log: one line per request, in the console log's layout, rotated."""

from __future__ import annotations

import logging
import re

import pytest

from console.core.base import log_files
from console.core.base.workspace import Workspace
from console.core.serving import request_log

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO   |WARNING) console\.requests \[[^\]]+\] .+$"
)


@pytest.fixture
def configured(workspace: Workspace):
    request_log.configure(workspace)
    yield workspace
    for handler in list(request_log.log.handlers):
        request_log.log.removeHandler(handler)
        handler.close()


def test_a_request_line_has_the_console_log_layout(configured: Workspace) -> None:
    request_log.record("POST", "/v1/predict", 200, latency_ms=1.234, model="1.0.0", body="312")
    request_log.record("GET", "/nope", 404, latency_ms=0.5, model="1.0.0", body=None)
    text = request_log.path_of(configured).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 2
    assert all(LINE.match(line) for line in lines), text
    read = log_files.read(configured, log_files.LogFilter(sources=("requests",)))
    assert [(r.level, r.logger, r.message) for r in read] == [
        ("INFO", "console.requests", "POST /v1/predict 200 1.2ms model=1.0.0 body=312B"),
        ("WARNING", "console.requests", "GET /nope 404 0.5ms model=1.0.0"),
    ]
    # the same layout as the logging module's formatter gives the console log
    formatted = logging.Formatter(request_log._FORMAT).format(
        logging.LogRecord("console.requests", logging.INFO, "", 0, "POST /x 200", None, None)
    )
    assert formatted[23:] == lines[0][23:].replace("/v1/predict", "/x").split(" 200 ")[0] + " 200"


def test_the_request_log_rotates_before_a_line_would_pass_the_limit(
    workspace: Workspace,
) -> None:
    text = workspace.config_path.read_text().replace("max_bytes = 5_000_000", "max_bytes = 10_000")
    workspace.config_path.write_text(text)
    with Workspace.open(workspace.root) as ws:
        request_log.configure(ws)
        try:
            for n in range(300):  # ~110 bytes a line: ~33 kB in all
                request_log.record("POST", "/v1/predict", 200, latency_ms=n, model="1.0.0",
                                   body="300")  # fmt: skip
        finally:
            for handler in list(request_log.log.handlers):
                request_log.log.removeHandler(handler)
                handler.close()
        path = request_log.path_of(ws)
        rotated = sorted(path.parent.glob("requests.log.*"))
        assert [p.name for p in rotated] == [f"requests.log.{n}" for n in (1, 2, 3)]
        for p in (path, *rotated):
            assert p.stat().st_size < 10_000
            assert all(LINE.match(line) for line in p.read_text().splitlines())
        total = sum(len(p.read_text().splitlines()) for p in (path, *rotated))
        assert total == 300
        assert path.read_text().splitlines()[-1].endswith("299.0ms model=1.0.0 body=300B")
