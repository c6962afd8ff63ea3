"""The one way the GUI runs long work: a core job function off the GUI thread.

:func:`run_job` runs ``fn(*args, ctx=JobContext(...), **kwargs)`` on the global
``QThreadPool`` through superqt's ``create_worker``. The context's progress callback
emits a Qt signal, so progress, the result and errors all arrive on the GUI thread;
the job function itself never touches a widget. A :class:`JobProgressDialog` shows the
progress and has Cancel (and Esc), which calls ``ctx.cancel()``; the core job stops at
its next progress report and leaves stored state as it was.

Every running job is listed in a registry so the main window can cancel them and wait
when it closes (:func:`cancel_running_jobs`). Errors reach the user through one path,
:func:`show_error` (tests monkeypatch it); a cancelled job is not an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from console.core.base.errors import BadInput, ConsoleError, JobCancelled, PermissionDenied
from console.core.base.jobs import JobContext, lower_thread_priority
from console.gui.dialogs.job_progress import JobProgressDialog

if TYPE_CHECKING:  # superqt loads its every widget module: imported with the first job
    from superqt.utils import FunctionWorker

log = logging.getLogger("console.gui")


__all__ = [
    "JobProgressDialog",
    "RunningJob",
    "cancel_running_jobs",
    "describe_error",
    "error_box",
    "run_job",
    "running_jobs",
    "show_error",
]

_RUNNING: list[RunningJob] = []
#: detached jobs whose thread still runs: kept alive until it ends, because the thread
#: reports progress through the job's signal (a collected job would crash the process)
_DETACHED: list[RunningJob] = []


class RunningJob(QObject):
    """One job on its way: its context, its dialog and what to call when it ends."""

    progressed = Signal(float, str)  # emitted from the worker thread, delivered queued
    ended = Signal(str)  # "done", "failed" or "cancelled", on the GUI thread

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        *,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_cancelled: Callable[[], None] | None,
        quiet: bool = False,
    ) -> None:
        super().__init__()
        self.title = title
        self.quiet = quiet
        self.ctx = JobContext(self.progressed.emit)
        self.outcome = "running"
        self._parent = parent
        self._callbacks = (on_done, on_error, on_cancelled)
        self._result: Any = None
        self._error: BaseException | None = None
        self._detached = False
        self.worker: FunctionWorker[Any] | None = None
        self.dialog: JobProgressDialog | None = None
        if not quiet:
            self.dialog = JobProgressDialog(title, parent, self.cancel)
            self.progressed.connect(self.dialog.set_progress)

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report (thread-safe)."""
        self.ctx.cancel()

    def detach(self) -> None:
        """Cancel and forget the callbacks: the window that asked for this job is closing."""
        self._detached = True
        self.cancel()
        if self in _RUNNING:  # nobody waits for its outcome any more
            _RUNNING.remove(self)
            self.outcome = "cancelled"
            _DETACHED.append(self)
        self._close_dialog()

    # -- worker signals, all delivered on the GUI thread
    def _returned(self, result: object) -> None:
        self._result = result

    def _errored(self, exc: BaseException) -> None:
        self._error = exc

    def _warned(self, warning: tuple[Any, ...]) -> None:
        message, category = warning[0], warning[1]
        log.warning("job %r: %s: %s", self.title, getattr(category, "__name__", category), message)

    def _finished(self) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self in _DETACHED:
            _DETACHED.remove(self)
        self._close_dialog()
        on_done, on_error, on_cancelled = self._callbacks
        exc = self._error
        if isinstance(exc, JobCancelled):
            self.outcome = "cancelled"  # a job that returned despite a late Cancel is done
        elif exc is not None:
            self.outcome = "failed"
        else:
            self.outcome = "done"
        if not self._detached:
            if self.outcome == "cancelled" and on_cancelled:
                on_cancelled()
            elif self.outcome == "failed" and exc is not None:
                if not isinstance(exc, ConsoleError):
                    log.error("job %r failed", self.title, exc_info=exc)
                if self.quiet:
                    log.warning("%s: %s", self.title, describe_error(exc)[0])
                else:
                    show_error(self._parent, self.title, exc)
                if on_error:
                    on_error(exc)
            elif self.outcome == "done" and on_done:
                on_done(self._result)
        self.ended.emit(self.outcome)

    def _close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.finish()
            self.dialog.deleteLater()
            self.dialog = None


def _cancellable(fn: Callable[..., Any], ctx: JobContext) -> Callable[..., Any]:
    """Run ``fn`` unless the job was cancelled before its thread started."""

    def run(*args: Any, **kwargs: Any) -> Any:
        lower_thread_priority()
        ctx.check()
        return fn(*args, ctx=ctx, **kwargs)

    return run


def run_job(
    parent: QWidget | None,
    title: str,
    fn: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    quiet: bool = False,
    **kwargs: Any,
) -> RunningJob:
    """Run ``fn(*args, ctx=..., **kwargs)`` in the thread pool with a progress dialog.

    ``on_done(result)`` runs on the GUI thread when the job returns; a failure goes to
    :func:`show_error` first and then to ``on_error(exc)``; a cancel calls
    ``on_cancelled()`` and shows nothing. A ``quiet`` job (work the operator did not
    ask for, such as the alert timer's) shows no dialog and logs its failure instead.
    """
    job = RunningJob(
        parent, title, on_done=on_done, on_error=on_error, on_cancelled=on_cancelled,
        quiet=quiet,
    )  # fmt: skip
    from superqt.utils import create_worker

    worker = create_worker(
        _cancellable(fn, job.ctx),
        *args,
        _start_thread=False,
        _connect={
            "returned": job._returned,
            "errored": job._errored,
            "warned": job._warned,
            "finished": job._finished,
        },
        **kwargs,
    )
    job.worker = worker
    _RUNNING.append(job)
    worker.start()
    if job.dialog is not None:
        job.dialog.show_soon()
    return job


def running_jobs() -> list[RunningJob]:
    return list(_RUNNING)


def cancel_running_jobs(wait_ms: int = 10_000) -> bool:
    """Cancel every running job and wait for the thread pool; True if all stopped."""
    for job in list(_RUNNING):
        job.detach()
    done = QThreadPool.globalInstance().waitForDone(wait_ms)
    if not done:
        log.warning("jobs still running after %d ms: %s", wait_ms, [j.title for j in _RUNNING])
    return done


def describe_error(exc: BaseException) -> tuple[str, str, str]:
    """(text, informative text, detailed text) of the message box for ``exc``."""
    if isinstance(exc, PermissionDenied):
        return (
            f"Your role ({exc.role}) does not allow this: {exc.user} may not {exc.action}.",
            "Ask an administrator of this workspace for the operator role.",
            "",
        )
    if isinstance(exc, BadInput):
        details = "\n".join(exc.problems) if exc.problems != [str(exc)] else ""
        return str(exc), "Nothing was changed.", details
    if isinstance(exc, ConsoleError):
        return str(exc), "", ""
    return (
        f"Unexpected error: {type(exc).__name__}: {exc}",
        "Nothing half-written was kept. The details are in the workspace log.",
        "",
    )


def error_box(parent: QWidget | None, title: str, exc: BaseException) -> QMessageBox:
    """The message box :func:`show_error` shows for ``exc`` (not yet shown)."""
    text, informative, details = describe_error(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if informative:
        box.setInformativeText(informative)
    if details:
        box.setDetailedText(details)
    return box


def show_error(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """Tell the user what went wrong: the one path every GUI error takes."""
    error_box(parent, title, exc).exec()
