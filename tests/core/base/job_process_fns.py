"""Job functions the job-process tests send to a child (sent by name: module level)."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace


def describe(ws: Workspace, word: str, *, ctx: JobContext, times: int = 1) -> dict[str, Any]:
    """Where and as whom it ran, with one progress report per step (steps further
    apart than the reports' throttle)."""
    for i in range(times):
        ctx.progress(i / times, f"step {i}")
        if times > 1:
            time.sleep(0.06)
    return {"root": str(ws.root), "pid": os.getpid(), "word": word * times,
            "nice": os.getpriority(os.PRIO_PROCESS, threading.get_native_id())}  # fmt: skip


def forever(ws: Workspace, *, ctx: JobContext) -> None:
    """Reports progress, then works until stopped."""
    ctx.progress(0.5, "halfway")
    while True:
        time.sleep(0.01)


def die(ws: Workspace, *, ctx: JobContext) -> None:
    os._exit(3)


def refuse(ws: Workspace, *, ctx: JobContext) -> None:
    raise BadInput("predictions.csv: line 3: score is not a number")


class Unpicklable(Exception):
    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a} and {b}")


def refuse_oddly(ws: Workspace, *, ctx: JobContext) -> None:
    raise Unpicklable("this", "that")
