"""Backups page: repositories, snapshots, and Create / Verify / Restore / Prune as jobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from console.core.backup import keys
from console.core.backup.repository import Repository
from console.core.base.workspace import Workspace
from console.core.security import credentials
from console.gui import workers
from console.gui.dialogs import job_progress
from console.gui.dialogs.restore_backup import RestoreChoice, RestoreDialog
from console.gui.pages import backups as backups_page
from console.gui.pages.backups import BackupsPage
from tests.core.backup.conftest import PASSPHRASE, fill_workspace


@pytest.fixture
def page(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BackupsPage]:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**10)
    monkeypatch.setattr(job_progress, "SHOW_AFTER_MS", 60_000)  # no window on offscreen
    root = tmp_path / "ws"
    with Workspace.create(root, "alice") as ws:
        fill_workspace(ws)
        credentials.set_secret(ws, "alice", "backup-passphrase", PASSPHRASE)
    Repository.init(tmp_path / "repo", PASSPHRASE)
    toml = root / "console.toml"
    toml.write_text(
        toml.read_text().replace(
            "[alerts]  ", f'[backup.repositories.disk]\npath = "{tmp_path / "repo"}"\n\n[alerts]  '
        )
    )
    ws = Workspace.open(root)
    widget = BackupsPage(ws, "alice")
    qtbot.addWidget(widget)
    widget.resize(1000, 650)
    yield widget
    workers.cancel_running_jobs()
    ws.close()


def settle(qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not workers.running_jobs(), timeout=20_000)


def test_create_verify_restore_prune(
    qtbot: QtBot, page: BackupsPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page.refresh()
    assert page.repositories.item(0, 2).text() == "yes"
    settle(qtbot)
    assert page.snapshots.rowCount() == 0
    assert page.subtitle.text() == "No verified backup"
    page.back_up()
    settle(qtbot)
    assert page.snapshots.rowCount() == 1
    assert page.snapshots.item(0, 6).text().startswith("ok (full)")  # verified after create
    assert page.subtitle.text().startswith("Last verified backup")
    page.verify()
    settle(qtbot)
    seen: list[dict[str, object]] = []

    def ask(parent: object, preview: dict[str, object]) -> RestoreChoice:
        seen.append(preview)
        return RestoreChoice(False, tmp_path / "restored", "restore drill")

    monkeypatch.setattr(RestoreDialog, "ask", ask)
    page.snapshots.selectRow(0)
    page.restore()
    settle(qtbot)
    assert "audit_entries_since" in seen[0]
    assert (tmp_path / "restored" / "artifacts" / "model.skops").exists()
    monkeypatch.setattr(backups_page, "confirm_prune", lambda parent, plan: True)
    page.prune()
    settle(qtbot)
    actions = [
        r[0] for r in page.ws.conn.execute("SELECT action FROM audit WHERE action LIKE 'backup.%'")
    ]
    assert actions == [
        "backup.create", "backup.verify", "backup.verify", "backup.restore", "backup.prune"
    ]  # fmt: skip
    page.grab().save(str(tmp_path / "backups-page.png"))


def test_an_unreachable_repository_and_a_failed_backup_are_shown(
    qtbot: QtBot, page: BackupsPage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors: list[str] = []
    monkeypatch.setattr(workers, "show_error", lambda parent, title, exc: errors.append(str(exc)))
    (tmp_path / "repo").rename(tmp_path / "unplugged")
    page.refresh()
    assert "not reachable" in page.repositories.item(0, 2).text()
    settle(qtbot)
    page.back_up()
    settle(qtbot)
    assert errors
    assert "not reachable" in errors[0]
    assert "CRITICAL" in page.status.text()


def test_the_dialog_needs_a_reason_and_a_target(qtbot: QtBot) -> None:
    preview = {"snapshot": "ab" * 32, "time": "2026-11-30T10:00:00", "lines": ["x", "  model"]}
    dialog = RestoreDialog(preview)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.reason.setText("drill")
    assert not ok.isEnabled()  # no folder yet
    dialog.in_place.setChecked(True)
    assert ok.isEnabled()
    assert dialog.choice() == RestoreChoice(True, None, "drill")
    assert "model" in dialog.changes.toPlainText()


def test_the_last_backup_tile_opens_this_page(qtbot: QtBot, page: BackupsPage) -> None:
    from console.gui.widgets.overview_status import StatusTiles

    tiles = StatusTiles(page.ws)
    qtbot.addWidget(tiles)
    assert tiles.backup.page == BackupsPage.key
