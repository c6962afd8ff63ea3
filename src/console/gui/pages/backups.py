"""Backups: the repositories (reachable, free space), their snapshots (size, new data,
last verify), and Create / Verify / Restore / Prune as background jobs."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from console.core.backup import in_place, locations, prune, snapshots, verify
from console.core.base.files import byte_size
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.monitoring import partners
from console.gui import formatting as fmt
from console.gui import workers
from console.gui.dialogs.restore_backup import RestoreChoice, RestoreDialog
from console.gui.pages.base import Page
from console.gui.style import THEME
from console.gui.widgets.panel import panel
from console.gui.widgets.tables import table_with_headers

REPO_HEADERS = ["Repository", "Path", "Reachable", "Free space", "Log parts"]
SNAP_HEADERS = ["Made (UTC)", "Snapshot", "By", "Files", "Size", "New data", "Last verify"]


def size(n: int | None) -> str:
    return byte_size(n, missing="–")


def confirm_prune(parent: QWidget | None, plan: dict[str, Any]) -> bool:
    """Ask before prune removes snapshots (tests replace this)."""
    if not plan["forget"]:
        return True
    answer = QMessageBox.question(
        parent,
        "Prune backups",
        f"The retention policy keeps {len(plan['keep'])} snapshot(s) and removes "
        f"{len(plan['forget'])}: {', '.join(s[:8] for s in plan['forget'][:8])}. Go on?",
    )
    return answer == QMessageBox.StandardButton.Yes


def _list(ws: Workspace, name: str, *, ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0.1, "Opening the repository")
    _, repo = locations.open_repository(ws, name)
    return snapshots.list_snapshots(ws, repo)


def _verify(ws: Workspace, user: str, name: str, *, quick: bool, ctx: JobContext) -> Any:
    _, repo = locations.open_repository(ws, name)
    return verify.verify_repository(ws, user, repo, quick=quick, ctx=ctx)


def _preview(ws: Workspace, name: str, snapshot: str, *, ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0.2, "Reading the snapshot")
    _, repo = locations.open_repository(ws, name)
    return in_place.preview(ws, repo, snapshot)


def _restore(
    ws: Workspace, user: str, name: str, snapshot: str, choice: RestoreChoice, *, ctx: JobContext
) -> dict[str, Any]:
    _, repo = locations.open_repository(ws, name)
    if choice.in_place:
        return in_place.restore_in_place(ws, user, repo, snapshot, reason=choice.reason, ctx=ctx)
    assert choice.folder is not None
    return snapshots.restore_into(
        ws, user, repo, snapshot, choice.folder, reason=choice.reason, ctx=ctx
    )


def _prune(ws: Workspace, user: str, name: str, *, dry_run: bool, ctx: JobContext) -> Any:
    _, repo = locations.open_repository(ws, name)
    cfg = ws.config.backup
    policy = prune.Policy(cfg.keep_last, cfg.keep_daily, cfg.keep_weekly, cfg.keep_monthly)
    return prune.prune(ws, user, repo, policy, dry_run=dry_run, ctx=ctx)


class BackupsPage(Page):
    key = "backups"
    title = "Backups"
    icon_name = "mdi6.backup-restore"
    order = 65

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.create_action = self.header_action(
            "Back up now", "mdi6.content-save-move", "Ctrl+B", self.back_up, needs="backup.create"
        )
        self.verify_action = self.header_action(
            "Verify", "mdi6.shield-check", "", self.verify, needs="backup.verify"
        )
        self.restore_action = self.header_action(
            "Restore…", "mdi6.backup-restore", "", self.restore, needs="backup.restore"
        )
        self.prune_action = self.header_action(
            "Prune…", "mdi6.broom", "", self.prune, needs="backup.prune"
        )
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.repositories = table_with_headers(QTableWidget(0, 0), REPO_HEADERS)

        self.chooser = QComboBox()
        self.chooser.currentIndexChanged.connect(lambda _i: self.load_snapshots())
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Snapshots in"))
        choose.addWidget(self.chooser, 1)
        holder = QWidget()
        holder.setLayout(choose)
        self.snapshots = table_with_headers(QTableWidget(0, 0), SNAP_HEADERS)
        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.body.addWidget(self.status)
        self.body.addWidget(panel("Repositories", self.repositories))
        self.body.addWidget(
            panel("", holder, self.snapshots, self.note, stretch=(QTableWidget,)), 1
        )
        self.listing: dict[str, Any] | None = None

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        targets = locations.configured(self.ws)
        states = [locations.status(self.ws, t) for t in targets]
        self._show_status()
        self.repositories.setRowCount(len(states))
        for r, s in enumerate(states):
            reach = "yes" if s["reachable"] else "no: " + s["problem"].split(": ", 1)[-1]
            values = [s["name"], s["path"], reach, size(s["free_bytes"]),
                      "yes" if s["include_logs"] else "no"]  # fmt: skip
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 2 and not s["reachable"]:
                    item.setForeground(THEME.color("danger"))
                    item.setToolTip(s["problem"])
                self.repositories.setItem(r, c, item)
        current = self.chooser.currentText()
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItems([t.name for t in targets])
        if current in [t.name for t in targets]:
            self.chooser.setCurrentText(current)
        self.chooser.blockSignals(False)
        has = bool(targets)
        for action in (self.create_action, self.verify_action, self.restore_action,
                       self.prune_action):  # fmt: skip
            if not has:
                action.setEnabled(False)
        if not has:
            self.note.setText(
                "No backup repository yet: an admin runs 'console backup init DIR' and names "
                'it in console.toml as [backup.repositories.NAME] path = "DIR".'
            )
            self.snapshots.setRowCount(0)
            return
        self.load_snapshots()

    def _show_status(self) -> None:
        last = partners.last_verified_backup(self.ws)
        failure = partners.last_backup_failure(self.ws)
        text = f"Last verified backup: {fmt.timestamp(last)}" if last else "No verified backup"
        self.subtitle.setText(text)
        if failure:
            self.status.setStyleSheet(
                f"padding: 6px 10px; border-radius: 4px; border: 1px solid {THEME.danger};"
                f" background: {THEME.danger_soft};"
            )
            what = "verify" if failure["kind"] == "verify" else "backup"
            self.status.setText(
                f"<b>CRITICAL</b> the last {what} failed ({fmt.timestamp(failure['at'])}): "
                f"{failure['message']}"
            )
        else:
            self.status.setStyleSheet("")
            self.status.setText("")

    def load_snapshots(self) -> None:
        name = self.chooser.currentText()
        if not name:
            return
        self.note.setText("Reading the repository…")
        workers.run_job(
            self, "List snapshots", _list, self.ws, name, quiet=True,
            on_done=self._fill, on_error=lambda exc: self.note.setText(str(exc)),
        )  # fmt: skip

    def _fill(self, listing: dict[str, Any]) -> None:
        self.listing = listing
        items = listing["snapshots"]
        self.snapshots.setRowCount(len(items))
        for r, s in enumerate(items):
            if s["verify_result"]:
                check = (
                    f"{s['verify_result']} ({s['verify_mode']}) {fmt.timestamp(s['verified_at'])}"
                )
            else:
                check = "never verified"
            made = fmt.timestamp(s["time"]).removesuffix(" UTC")
            values = [made, s["short"], s["user"], fmt.count(s["files"]), size(s["bytes"]),
                      size(s["added_bytes"]), check]  # fmt: skip
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 6 and s["verify_result"] == "failed":
                    item.setForeground(THEME.color("danger"))
                    item.setToolTip(s["verify_message"])
                self.snapshots.setItem(r, c, item)
        if items:
            self.snapshots.selectRow(0)
        problems = listing["problems"]
        self.note.setText(
            "; ".join(problems)
            if problems
            else f"{len(items)} snapshot(s) in {listing['location']}. Create and Verify need "
            "the operator role; Restore and Prune the admin role."
        )

    # ------------------------------------------------------------------ actions
    def _selected(self) -> str | None:
        row = self.snapshots.currentRow()
        if self.listing is None or row < 0 or row >= len(self.listing["snapshots"]):
            return None
        return str(self.listing["snapshots"][row]["snapshot"])

    def _done(self, _result: object) -> None:
        self.changed.emit()
        self.refresh()

    def back_up(self) -> workers.RunningJob:
        return workers.run_job(
            self, "Back up the workspace", snapshots.run_backup, self.ws, self.user,
            self.chooser.currentText(), on_done=self._done, on_error=lambda _e: self.refresh(),
        )  # fmt: skip

    def verify(self) -> workers.RunningJob:
        return workers.run_job(
            self, "Verify backups", _verify, self.ws, self.user, self.chooser.currentText(),
            quick=False, on_done=self._done,
        )  # fmt: skip

    def restore(self) -> workers.RunningJob | None:
        snapshot = self._selected()
        if snapshot is None:
            self.note.setText("Select the snapshot to restore first.")
            return None
        name = self.chooser.currentText()

        def ask(preview: dict[str, Any]) -> None:
            choice = RestoreDialog.ask(self.window(), preview)
            if choice is not None:
                workers.run_job(
                    self, "Restore backup", _restore, self.ws, self.user, name, snapshot,
                    choice, on_done=self._done,
                )  # fmt: skip

        return workers.run_job(
            self, "Read snapshot", _preview, self.ws, name, snapshot, on_done=ask
        )

    def prune(self) -> workers.RunningJob:
        name = self.chooser.currentText()

        def confirm(plan: dict[str, Any]) -> None:
            if confirm_prune(self.window(), plan):
                workers.run_job(
                    self, "Prune backups", _prune, self.ws, self.user, name, dry_run=False,
                    on_done=self._done,
                )  # fmt: skip

        return workers.run_job(
            self, "Plan prune", _prune, self.ws, self.user, name, dry_run=True, on_done=confirm
        )
