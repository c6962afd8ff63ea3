"""Read-only jobs in a process of their own, so they never share the interpreter lock.

A job thread holds the interpreter lock whenever numpy, Arrow or Python code that does
not release it runs; a thread waiting for the lock gets it only when the holder lets go
(every 5 ms, or at the end of a long C call). The window's GUI thread gives the lock up
and takes it back at every call into Qt, so a heavy job on a thread of the window's
process made it wait again and again: during the Performance page's job over 10 M rows
a scheduler trace showed the GUI thread late by up to 99 ms, never off a core for long,
cycling on the lock's 5 ms turns. :func:`call` runs such a job in a child process
instead: the calling thread waits on a pipe (without the lock), passes the child's
progress on to its :class:`JobContext`, and ends the child on Cancel.

One child is kept ready (:func:`prestart`): started at lowered priority, with the job's
libraries imported, so a job does not wait for an interpreter to start. The child opens
the workspace for each job (its configuration is read afresh) and reads what the job
reads. **Only read-only jobs run here**: Cancel ends the child at once, which must leave
nothing half-written, and a child writes no audit record. Results and errors come back
pickled; a child that dies (out of memory, killed) is reported as an error and replaced.
Children are spawned (a fresh interpreter, not a copy of the window's threads): as for
any spawned process, a script that opens the window itself must start it under
``if __name__ == "__main__":``, which the console's own entry points do.

``ENABLED`` off (tests do, except those of this module) runs every job on the calling
thread instead.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base.errors import ConsoleError, JobCancelled
from console.core.base.jobs import NICENESS, JobContext

if TYPE_CHECKING:  # multiprocessing loads when a child is first started, not with the window
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)

#: False: :func:`call` runs the job on the calling thread (the test suite's default)
ENABLED = True
#: how often the waiting thread looks for a Cancel between the child's messages
POLL_S = 0.05
#: libraries every child imports before it says it is ready
BASE_MODULES = ("numpy", "pyarrow", "pyarrow.parquet", "pyarrow.compute")


class JobProcessDied(ConsoleError):
    """The child process running a job ended before it answered."""


class _Child:
    """One child process and the pipe to it."""

    def __init__(self, preload: tuple[str, ...]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no copy of the window's threads
        self.conn, child_end = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child_end, preload), name="console-job", daemon=True
        )
        self.process.start()
        child_end.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self) -> None:
        """End the child now (it may be mid-job: only read-only jobs run in it)."""
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)

    def died(self, doing: str) -> JobProcessDied:
        self.process.join(timeout=1)
        code = self.process.exitcode
        how = f"exit code {code}" if code is not None and code >= 0 else f"signal {-(code or 0)}"
        return JobProcessDied(f"the process running {doing} ended unexpectedly ({how})")


_lock = threading.Lock()
_idle: list[_Child] = []  # at most one kept; started by prestart() or left by a job


def prestart(preload: tuple[str, ...] = ()) -> None:
    """Start a child now, unless one is ready: a later :func:`call` then only sends it the
    job. It imports :data:`BASE_MODULES` and ``preload`` at lowered priority."""
    if not ENABLED:
        return
    with _lock:
        if any(child.alive() for child in _idle):
            return
        try:
            _idle.append(_Child(tuple(preload)))
        except OSError as exc:  # no process can be started here: jobs run on threads
            log.warning("job process not started: %s", exc)


def shutdown() -> None:
    """End the idle children (the window closes; running jobs end with their Cancel)."""
    with _lock:
        children = list(_idle)
        _idle.clear()
    for child in children:
        child.stop()


def idle_children() -> int:
    with _lock:
        return sum(child.alive() for child in _idle)


def call(
    fn: Callable[..., Any],
    ws: Workspace,
    *args: Any,
    ctx: JobContext,
    preload: tuple[str, ...] = (),
    **kwargs: Any,
) -> Any:
    """``fn(ws, *args, ctx=..., **kwargs)`` in a child process, where ``ws`` is opened
    again (:meth:`Workspace.reader`); its result, or its exception raised here.

    ``fn`` must be a module-level function (it is sent by name) that only reads; its
    arguments and result must pickle. Progress reaches ``ctx``; ``ctx.cancel()`` ends
    the child and raises :class:`JobCancelled` within ``POLL_S``. Where no process can
    be started (or ``ENABLED`` is off) it runs here, on the calling thread.
    """
    ctx.check()
    child = _take(preload) if ENABLED else None
    if child is None:
        return fn(ws, *args, ctx=ctx, **kwargs)
    doing = f"{fn.__module__}.{fn.__qualname__}"
    try:
        child.conn.send((fn, str(ws.root), args, kwargs))
        while True:
            if ctx.cancelled:
                raise JobCancelled()
            try:
                if not child.conn.poll(POLL_S):
                    continue
                message = child.conn.recv()
            except (EOFError, OSError) as exc:
                raise child.died(doing) from exc
            kind = message[0]
            if kind == "ready":
                continue
            if kind == "progress":
                if not ctx.cancelled:
                    ctx.progress(message[1], message[2])
                continue
            result = message[1]
            break
    except BaseException:
        child.stop()
        raise
    _give_back(child)
    if kind == "failed":
        error, text = result
        log.debug("job %s failed in its process:\n%s", doing, text)
        raise error
    return result


def _take(preload: tuple[str, ...]) -> _Child | None:
    """An idle child, else a new one; None when no process can be started."""
    with _lock:
        while _idle:
            child = _idle.pop()
            if child.alive():
                return child
            child.stop()
    try:
        return _Child(preload)
    except OSError as exc:
        log.warning("job process not started, the job runs on a thread: %s", exc)
        return None


def _give_back(child: _Child) -> None:
    with _lock:
        if not _idle and child.alive():
            _idle.append(child)
            return
    child.stop()


# --------------------------------------------------------------------------- the child
def _serve(conn: Connection, preload: tuple[str, ...]) -> None:
    """The child's main loop: import, say ready, then run one job per message until the
    pipe closes (the parent ended, or stopped this child)."""
    from multiprocessing.reduction import ForkingPickler

    if sys.platform.startswith("linux") or sys.platform == "darwin":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, NICENESS)
    for name in (*BASE_MODULES, *preload):
        with contextlib.suppress(ImportError):  # the job that needs it will say so
            importlib.import_module(name)
    conn.send(("ready",))
    while True:
        try:
            fn, root, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        ctx = JobContext(lambda fraction, text: conn.send(("progress", fraction, text)))
        try:  # pickled before a byte is sent: a result that does not pickle is an error
            payload = ForkingPickler.dumps(("done", _run(fn, Path(root), args, kwargs, ctx)))
        except BaseException as exc:  # sent to the parent, which raises it
            failure = ("failed", (_picklable(exc), traceback.format_exc()))
            payload = ForkingPickler.dumps(failure)
        try:
            conn.send_bytes(payload)
        except (EOFError, OSError):
            return


def _run(
    fn: Callable[..., Any], root: Path, args: tuple[Any, ...], kwargs: dict[str, Any],
    ctx: JobContext,
) -> Any:  # fmt: skip
    from console.core.base.workspace import Workspace

    ws = Workspace.reader(root)
    try:
        return fn(ws, *args, ctx=ctx, **kwargs)
    finally:
        ws.close()


def _picklable(exc: BaseException) -> BaseException:
    """``exc`` when it survives a round trip through pickle (as the pipe will take it);
    else a ConsoleError or a RuntimeError with its message."""
    from multiprocessing.reduction import ForkingPickler

    try:
        back = ForkingPickler.loads(ForkingPickler.dumps(exc))  # our own bytes, in memory
        if type(back) is type(exc) and str(back) == str(exc):
            return exc
    except Exception:
        pass
    if isinstance(exc, ConsoleError):
        return ConsoleError(str(exc))
    return RuntimeError(f"{type(exc).__name__}: {exc}")
