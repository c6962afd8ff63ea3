"""One lock per job per workspace, across threads and processes, never left stuck.

The lock is an advisory ``flock`` on ``.locks/<job>.lock`` in the workspace (on Windows,
``msvcrt.locking`` on its first byte). The operating system releases it when the
holding process ends, however it ends (killed included), so a crashed run never
blocks the next one. Each :class:`JobLock` opens its own file description, so two
threads of one process exclude each other as two processes do. The holder writes who
it is into the file, which the refusal message quotes.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import IO, Any

from console.core.base import clock
from console.core.base.errors import ConsoleError

LOCK_FOLDER = ".locks"


class JobBusy(ConsoleError):
    """The job is already running on this workspace (exit code 1: try again later)."""

    exit_code = 1


def lock_path(root: Path, name: str) -> Path:
    return root / LOCK_FOLDER / f"{name}.lock"


class JobLock:
    """``with JobLock(root, "validation", run=12):`` - or JobBusy naming the holder."""

    def __init__(self, root: Path, name: str, **holder: Any) -> None:
        self.path = lock_path(root, name)
        self.name = name
        self.holder = holder
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        if not _try_lock(handle):
            handle.seek(0)
            who = _describe(handle.read())
            handle.close()
            raise JobBusy(f"{self.name} is already running on this workspace{who}")
        handle.seek(0)
        handle.truncate()
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": clock.iso()}
        handle.write(json.dumps({**info, **self.holder}))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is None:
            return
        handle, self._file = self._file, None
        handle.seek(0)
        handle.truncate()
        handle.flush()
        _unlock(handle)
        handle.close()

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def is_held(root: Path, name: str) -> bool:
    """Whether some thread or process holds the job's lock right now."""
    path = lock_path(root, name)
    if not path.exists():
        return False
    with open(path, "a+", encoding="utf-8") as handle:
        if _try_lock(handle):
            _unlock(handle)
            return False
        return True


def _describe(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    run = f"run {data['run']}, " if data.get("run") else ""
    return f" ({run}pid {data.get('pid')} on {data.get('host')} since {data.get('since')})"


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
