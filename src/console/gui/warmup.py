"""Start-up warm-up: import what jobs need and freeze start-up objects, once per process.

The main window starts :func:`start_warm_up` once the page it shows first is built: the
imports run on a background thread, so the first paint never waits for the data libraries and
the operator's first job does not pay for them on the GUI thread.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading

from console.core.base import job_process

log = logging.getLogger(__name__)

#: modules that jobs import on first use; imported up front by :func:`warm_up`
JOB_MODULES = (
    "pandas",
    "pyarrow",
    "pyarrow.dataset",
    "pyarrow.compute",
    "pyarrow.parquet",
    "pyarrow.csv",
    "scipy.special",
    "console.core.monitoring.performance",
    "console.core.monitoring.daily",
    "console.core.drift.report",
    # the Jobs page and the due-jobs timer: its import runs `file` on the interpreter
    # (platform.architecture), up to 0.45 s on a busy machine, never on the GUI thread
    "croniter",
)
#: what the child process of the heaviest read-only jobs imports before its first job
#: (see :mod:`console.core.base.job_process`)
PROCESS_MODULES = ("console.core.monitoring.performance", "console.core.monitoring.quality")


def read_ahead() -> None:
    """Read now, off the GUI thread, the files the window reads later on it.

    With the disk cache cold (a workstation just booted, or a busy one), each first
    read waited for the disk on the GUI thread: the local time zone's file, looked up by
    the first date axis drawn (305 ms), and the shipped runbooks read by the Runbooks
    page's build (160 ms). Both are kept in memory once read.
    """
    from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone

    from console.core.runbooks import library

    zone = QTimeZone.systemTimeZone()
    QDateTime(QDate(2026, 1, 1), QTime(0, 0), zone).offsetFromUtc()
    library.shipped()
    library.shipped_contacts()


_warmed = threading.Event()
_finished = threading.Event()


def finished() -> bool:
    """True once the warm-up has run to its end in this process."""
    return _finished.is_set()


def warm_up() -> None:
    """Import what jobs need, then exempt every object alive now from garbage collection.

    Both would otherwise stall the GUI thread while a job runs: a module imported
    in a job thread holds the interpreter lock for as long as its code takes to run,
    and a full collection triggered by a job's allocations walks every object of
    the window (a 10 M-row Performance job met a 90 ms collection). Run once, when
    the window has been shown and before the operator starts work; later objects are
    collected as usual. Only the first call in a process does anything.
    """
    if _warmed.is_set():
        return
    _warmed.set()
    try:
        read_ahead()
        for name in JOB_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # an optional part missing: its job will say so
                log.debug("warm-up: %s not importable", name)
        gc.collect()
        gc.freeze()
        job_process.prestart(PROCESS_MODULES)
    finally:
        _finished.set()


def start_warm_up() -> None:
    """Run :func:`warm_up` on a background thread, so the GUI thread stays free to paint
    and answer while the job libraries load."""
    if _warmed.is_set():
        return
    threading.Thread(target=_warm_up_quietly, name="warm-up", daemon=True).start()


def _warm_up_quietly() -> None:
    from console.core.base.jobs import lower_thread_priority

    lower_thread_priority()
    try:
        warm_up()
    except Exception:  # a broken optional import must not take the window down
        log.exception("warm-up failed")
