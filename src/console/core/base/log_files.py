"""Reading the workspace's logs: the console's, the scoring service's and its requests'.

Every source is a file in the workspace's ``logs/`` folder (rotated copies ``.1`` …
included, oldest first). A line in the console layout (time, level, logger, thread,
message) is one record; a line that is not (a traceback, uvicorn's output) belongs to
the record before it, or stands alone with the level its prefix names. :func:`read`
filters by source, level, time and text; :class:`Follower` returns what was appended
since it last looked, noticing rotation, without reading a file twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

SOURCES = ("console", "service", "requests")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_LINE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<level>[A-Z]+)\s+(?P<logger>\S+)"
    r"(?: \[(?P<thread>[^\]]*)\])? (?P<message>.*)$"
)
_CONTINUES = re.compile(
    r"^(?:[ \t]|Traceback |During handling|The above exception"
    r"|[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)\b)"
)
_PREFIX = re.compile(r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):\s*(?P<message>.*)$")


@dataclass(frozen=True)
class LogRecord:
    source: str
    ts: str  # ISO 8601 (local time of the process that wrote it), "" when the line has none
    level: str
    logger: str
    message: str
    file: str
    line: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def source_paths(ws: Workspace) -> dict[str, Path]:
    """The current file of each source."""
    return {
        "console": ws.log_file,
        "service": ws.root / "logs" / "service.log",
        "requests": ws.root / "logs" / "requests.log",
    }


def _rotated(path: Path) -> list[Path]:
    """``path`` and its rotated copies, oldest first."""
    old = sorted(
        (p for p in path.parent.glob(path.name + ".*") if p.suffix[1:].isdigit()),
        key=lambda p: int(p.suffix[1:]),
        reverse=True,
    )
    return [*old, path]


def parse_lines(
    lines: Iterable[str], source: str, file: str, first_line: int = 1
) -> list[LogRecord]:
    out: list[LogRecord] = []
    for number, raw in enumerate(lines, start=first_line):
        text = raw.rstrip("\n")
        if not text.strip():
            continue
        m = _LINE.match(text)
        if m:
            ts = m.group("ts").replace(" ", "T").replace(",", ".")
            out.append(LogRecord(source, ts, _level(m.group("level")), m.group("logger"),
                                 m.group("message"), file, number))  # fmt: skip
            continue
        if out and out[-1].file == file and _CONTINUES.match(text):
            last = out[-1]
            out[-1] = LogRecord(last.source, last.ts, last.level, last.logger,
                                f"{last.message}\n{text}", file, last.line)  # fmt: skip
            continue
        p = _PREFIX.match(text)
        level, message = (p.group("level"), p.group("message")) if p else ("INFO", text)
        ts = out[-1].ts if out else ""
        out.append(LogRecord(source, ts, _level(level), "", message, file, number))
    return out


def _level(text: str) -> str:
    return text if text in LEVELS else ("WARNING" if text == "WARN" else "INFO")


@dataclass(frozen=True)
class LogFilter:
    sources: tuple[str, ...] = SOURCES
    level: str = "DEBUG"  # this level and above
    since: dt.datetime | None = None  # naive local time, as the files write it
    until: dt.datetime | None = None
    text: str = ""  # case-insensitive substring of logger or message

    def accepts(self, record: LogRecord) -> bool:
        if record.source not in self.sources:
            return False
        if LEVELS.index(record.level) < LEVELS.index(self.level):
            return False
        if record.ts and self.since and record.ts < self.since.isoformat():
            return False
        if record.ts and self.until and record.ts >= self.until.isoformat():
            return False
        needle = self.text.lower()
        return not needle or needle in record.message.lower() or needle in record.logger.lower()


def local_naive(moment: dt.datetime) -> dt.datetime:
    """An aware time as the log files write times: local, without an offset."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def read(ws: Workspace, flt: LogFilter, *, limit: int | None = 1000) -> list[LogRecord]:
    """Matching records of every selected source, in time order; the newest ``limit``."""
    found: list[LogRecord] = []
    for source, path in source_paths(ws).items():
        if source not in flt.sources:
            continue
        for file in _rotated(path):
            if file.is_file():
                with file.open(encoding="utf-8", errors="replace") as fh:
                    records = parse_lines(fh, source, file.name)
                found += [r for r in records if flt.accepts(r)]
    found.sort(key=lambda r: r.ts)
    return found[-limit:] if limit else found


@dataclass
class Follower:
    """New records of the selected sources since the last :meth:`poll`."""

    ws: Workspace
    flt: LogFilter
    offsets: dict[str, int] = field(default_factory=dict)

    def start_at_end(self) -> None:
        for source, path in source_paths(self.ws).items():
            self.offsets[source] = path.stat().st_size if path.is_file() else 0

    def poll(self) -> list[LogRecord]:
        out: list[LogRecord] = []
        for source, path in source_paths(self.ws).items():
            if source not in self.flt.sources or not path.is_file():
                continue
            size = path.stat().st_size
            start = self.offsets.get(source, 0)
            if size < start:  # rotated: the current file is a new one
                start = 0
            if size == start:
                continue
            with path.open("rb") as fh:
                fh.seek(start)
                data = fh.read(size - start)
            complete = data[: data.rfind(b"\n") + 1]  # a half-written line waits
            self.offsets[source] = start + len(complete)
            lines = complete.decode("utf-8", errors="replace").splitlines()
            out += [r for r in parse_lines(lines, source, path.name, 0) if self.flt.accepts(r)]
        out.sort(key=lambda r: r.ts)
        return out
