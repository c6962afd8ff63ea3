"""Starting the GUI: a workspace that cannot be opened, and one that does not exist yet."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from console.core.base.errors import ConfigError, WorkspaceError
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.demo import build as demo
from console.gui import app as gui_app
from console.gui import workers
from console.gui.dialogs.workspace_choice import WorkspaceChoiceDialog


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    shown: list[BaseException] = []
    monkeypatch.setattr(workers, "show_error", lambda _p, _t, exc: shown.append(exc))
    return shown


@pytest.fixture
def restore_app_look(qapp: QApplication) -> Iterator[None]:
    """run_gui styles the (shared) QApplication; put it back for the other tests."""
    sheet, font = qapp.styleSheet(), qapp.font()
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


def answers(monkeypatch: pytest.MonkeyPatch, *choices: str | None) -> list[Path]:
    asked: list[Path] = []
    queue = list(choices)

    def ask(cls: Any, parent: Any, root: Path) -> str | None:
        asked.append(root)
        return queue.pop(0)

    monkeypatch.setattr(WorkspaceChoiceDialog, "ask", classmethod(ask))
    return asked


@pytest.mark.usefixtures("restore_app_look")
@pytest.mark.parametrize("damage", ["bad-toml", "newer-schema"])
def test_run_gui_says_why_a_workspace_cannot_be_opened(
    tmp_path: Path, errors: list[BaseException], damage: str
) -> None:
    root = tmp_path / "ws"
    Workspace.create(root, "alice").close()
    if damage == "bad-toml":
        (root / "console.toml").write_text("[limits]\nmax_ingest_rows = 'many'\n")
    else:
        with sqlite3.connect(root / "console.db") as conn:
            conn.execute("PRAGMA user_version = 99")
        conn.close()
    assert gui_app.run_gui(root) == 2
    assert len(errors) == 1
    expected = ConfigError if damage == "bad-toml" else WorkspaceError
    assert isinstance(errors[0], expected)
    assert "\n" not in str(errors[0])


def test_quit_when_not_a_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errors: list[BaseException]
) -> None:
    asked = answers(monkeypatch, None)
    assert gui_app.open_workspace(tmp_path / "nothing", "alice") == 0
    assert asked == [(tmp_path / "nothing").resolve()]
    assert not (tmp_path / "nothing").exists()
    assert not errors


def test_create_an_empty_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errors: list[BaseException]
) -> None:
    answers(monkeypatch, "empty")
    opened = gui_app.open_workspace(tmp_path / "new", "alice")
    assert isinstance(opened, Workspace)
    with opened as ws:
        assert ws.role_of("alice") == "admin"
    assert not errors


def test_cancelled_demo_leaves_nothing_and_asks_again(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, errors: list[BaseException]
) -> None:
    def endless_demo(ws: Workspace, user: str, ctx: JobContext) -> None:
        while True:
            ctx.progress(0.1, "Generating")

    monkeypatch.setattr(demo, "build_demo", endless_demo)
    asked = answers(monkeypatch, "demo", None)
    QTimer.singleShot(50, lambda: [job.cancel() for job in workers.running_jobs()])
    assert gui_app.open_workspace(tmp_path / "demo", "alice") == 0
    assert len(asked) == 2
    assert not (tmp_path / "demo").exists()
    assert list(tmp_path.iterdir()) == []
    assert not errors


def test_the_application_icon_is_the_bundled_one(qtbot: QtBot) -> None:
    from console.gui.app import application_icon

    pixmap = application_icon().pixmap(64, 64)
    assert not pixmap.isNull()
    colour = pixmap.toImage().pixelColor(32, 10)  # the dark frame at the top
    assert colour.lightness() < 80


def test_desktop_entry_installs_for_the_user(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(__file__).resolve().parents[2] / "packaging" / "desktop-entry.sh"
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "CONSOLE": sys.executable}
    subprocess.run(["bash", str(script), "install"], env=env, check=True, capture_output=True)
    entry = tmp_path / ".local/share/applications/model-ops-console.desktop"
    assert f'Exec="{sys.executable}" gui' in entry.read_text()
    assert (tmp_path / ".local/share/icons/hicolor/scalable/apps/model-ops-console.svg").is_file()
    subprocess.run(["bash", str(script), "uninstall"], env=env, check=True, capture_output=True)
    assert not entry.exists()
