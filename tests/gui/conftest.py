"""GUI test fixtures: isolated QSettings, a small workspace, the main window, files to import."""

from __future__ import annotations

import datetime as dt
import gc
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QSettings, QThreadPool
from pytestqt.qtbot import QtBot

from console.core.base.workspace import Workspace
from console.core.data import ingest
from console.core.demo.data import generate_transactions
from console.gui import workers
from console.gui.main_window import MainWindow

ROWS = 300
FIRST_DAY = dt.date(2026, 3, 2)


@dataclass(frozen=True)
class ImportFiles:
    """CSV files to import: ``initial`` is already in the ``ws`` fixture's store."""

    initial: Path
    more: Path  # valid predictions of another day
    bad_amount: Path  # like ``more`` with one non-numeric amount
    bad_line: int  # the line of that amount (header is line 1)
    initial_rows: int
    more_rows: int


def predictions_frame(day: dt.date, rows: int, seed: int) -> pd.DataFrame:
    frame = generate_transactions(day, 1, rows, seed=seed).drop(columns=["is_fraud"])
    score = np.random.default_rng(seed).random(len(frame))
    return frame.assign(score=score, decision=(score >= 0.5).astype("int8"))


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
    return path


@pytest.fixture(scope="session")
def import_files(tmp_path_factory: pytest.TempPathFactory) -> ImportFiles:
    folder = tmp_path_factory.mktemp("import-files")
    initial = predictions_frame(FIRST_DAY, ROWS, 1)
    initial_path = write_csv(initial, folder / "initial.csv")
    more = predictions_frame(FIRST_DAY + dt.timedelta(days=1), ROWS, 2)
    more_path = write_csv(more, folder / "more.csv")
    bad = more.astype({"amount": object})
    bad.loc[41, "amount"] = "abc"
    bad_path = write_csv(bad, folder / "bad-amount.csv")
    return ImportFiles(
        initial_path,
        more_path,
        bad_path,
        bad_line=41 + 2,
        initial_rows=len(initial),
        more_rows=len(more),
    )


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path) -> Iterator[Path]:
    """QSettings read and write an INI file under the test's tmp folder."""
    folder = tmp_path / "qsettings"
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    QSettings.setDefaultFormat(QSettings.Format.NativeFormat)


@pytest.fixture(autouse=True)
def _test_garbage_collected_at_its_end() -> Iterator[None]:
    """A test's windows and pages left in reference cycles are collected when it ends,
    outside any Qt call. Left to the collector, one was destroyed in the middle of a
    later test's pyqtgraph signal disconnect, and its QObject destructor waited on
    the signal-slot lock that the disconnect held: the run hung."""
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def no_jobs_left() -> Iterator[None]:
    """Every test ends with no job registered and the thread pool idle."""
    yield
    still = [job.title for job in workers.running_jobs()]
    for job in workers.running_jobs():
        job.detach()
    assert QThreadPool.globalInstance().waitForDone(5000), "thread pool still busy"
    assert not still, f"jobs left running: {still}"


@pytest.fixture(autouse=True)
def _pages_built_when_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test's window builds the pages it shows or asks for, not the others ahead
    (tests/gui/test_pages_ahead.py turns building ahead back on)."""
    from console.gui import pages_ahead

    monkeypatch.setattr(pages_ahead, "BUILD_AHEAD", False)


@pytest.fixture
def ws(tmp_path: Path, import_files: ImportFiles) -> Iterator[Workspace]:
    """A workspace (alice is admin) holding the predictions of ``import_files.initial``."""
    workspace = Workspace.create(tmp_path / "ws", "alice")
    ingest.ingest_file(workspace, "alice", "predictions", import_files.initial)
    yield workspace
    workspace.close()


@pytest.fixture
def window(qtbot: QtBot, ws: Workspace) -> Iterator[MainWindow]:
    main = MainWindow(ws, "alice")
    qtbot.addWidget(main)
    main.show()
    yield main
    main.close()


#: what Qt or PySide print on stderr when something is wrong that no exception reports:
#: a Python override that raised (e.g. an attribute shadowing QWidget.metric), or a Qt
#: warning printed before pytest-qt's message handler could catch it
STDERR_PROBLEMS = re.compile(
    r"Error calling Python override|^(QObject|QWidget|QLayout|QPainter|QPixmap)::|^qt\.[\w.]+:",
    re.MULTILINE,
)


@pytest.fixture
def job_process_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The job process turned on (the suite runs jobs on threads), and the names of the
    functions the window hands to it, in order."""
    from console.core.base import job_process

    monkeypatch.setattr(job_process, "ENABLED", True)
    calls: list[str] = []
    real_call = job_process.call

    def spy(fn, ws, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(fn.__name__)
        return real_call(fn, ws, *args, **kwargs)

    monkeypatch.setattr(job_process, "call", spy)
    return calls


@pytest.fixture(autouse=True)
def _nothing_wrong_on_stderr(capfd: pytest.CaptureFixture[str]) -> Iterator[None]:
    """Fail a test after which Qt or PySide printed a problem on stderr (qutebrowser
    does the same): such a problem does not raise, so nothing else would notice it."""
    yield
    out, err = capfd.readouterr()
    sys.stdout.write(out)
    sys.stderr.write(err)
    found = STDERR_PROBLEMS.findall(err)
    assert not found, f"Qt or PySide printed a problem on stderr:\n{err}"


def settle(qtbot: QtBot, window: MainWindow, timeout: int = 15_000) -> None:
    """Wait until the page shown is built (the window builds it after its first paint)
    and every page has finished its background refresh (and none is due)."""
    window.current_page()

    def quiet() -> bool:
        return not any(p.loading() or p._refresh_timer.isActive() for p in window.built_pages())

    qtbot.waitUntil(quiet, timeout=timeout)


@pytest.fixture(autouse=True)
def _no_modal_message_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real modal message box would block an offscreen test until its timeout: fail at
    once instead, naming the text. Tests that expect one replace ``workers.show_error``
    or the dialog's ``ask`` entry point."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args: object, **kwargs: object) -> None:
        texts = [a.text() if isinstance(a, QMessageBox) else a for a in args]
        raise AssertionError(f"a modal message box was opened in a test: {texts!r}")

    monkeypatch.setattr(QMessageBox, "exec", refuse)
    for name in ("about", "critical", "information", "question", "warning"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))
