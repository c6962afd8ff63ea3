"""Runbooks: the guide's procedures as checklists whose steps run checks or open pages.

The list on the left holds the workspace's runbooks (a malformed one says why, with its
line, and the page keeps working). Selecting one resumes its open run, if any. A
``@check`` step runs its check as a job and shows the result inline; an ``@open`` step
opens its page or dialog; manual steps are ticked Done or Skipped with an optional
note. Every step is recorded with who and when. The tabs show past runs, the versions
(any two diffed) and the recovery contacts; an admin edits runbooks and contacts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.core.base import access, documents
from console.core.base.errors import ConsoleError
from console.core.base.workspace import Workspace
from console.core.runbooks import format, library, runs
from console.gui import workers
from console.gui.dialogs.document_edit import DocumentEditDialog
from console.gui.formatting import timestamp
from console.gui.pages.base import Page
from console.gui.style import THEME, icon
from console.gui.widgets.runbook_checklist import RunbookChecklist
from console.gui.widgets.tables import table_with_headers

BANNER = "padding: 6px 10px; border-radius: 4px; background: {bg}; color: {fg};"


class RunbooksPage(Page):
    key = "runbooks"
    title = "Runbooks"
    icon_name = "mdi6.clipboard-check-outline"
    order = 75

    @classmethod
    def create(cls, window: Any) -> Page:  # type: ignore[override]  # QWidget.create
        page = cls(window.ws, window.user)
        page.main = window
        return page

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.main: Any = None
        self.role = ws.role_of(user)
        self.may_run = access.allowed(self.role, "runbook.run")
        self.may_edit = access.allowed(self.role, "document.edit")
        self.book: format.Runbook | None = None
        self.run: runs.Run | None = None
        self.running: workers.RunningJob | None = None
        self.start_action = self.header_action(
            "Start new run", "mdi6.play-circle-outline", "Ctrl+Shift+R", self.start_run,
            needs="runbook.run",
        )  # fmt: skip
        self.edit_action = self.header_action(
            "Edit…", "mdi6.pencil-outline", "", self.edit_runbook, needs="document.edit"
        )

        self.list = QListWidget()
        self.list.setMinimumWidth(230)
        self.list.currentItemChanged.connect(lambda *_: self._select())
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.heading = QLabel("")
        self.heading.setProperty("role", "section-title")
        self.intro = QLabel("")
        self.intro.setWordWrap(True)
        self.run_label = QLabel("")
        self.run_label.setProperty("role", "muted")
        self.checklist = RunbookChecklist()
        self.checklist.act.connect(self.act)
        self.note = QLineEdit()
        self.note.setPlaceholderText("Note for the next step you tick (optional)")

        checklist_tab = QWidget()
        box = QVBoxLayout(checklist_tab)
        box.addWidget(self.heading)
        box.addWidget(self.intro)
        box.addWidget(self.run_label)
        box.addWidget(self.checklist, 1)
        box.addWidget(self.note)
        self.tabs = QTabWidget()
        self.tabs.addTab(checklist_tab, "Checklist")
        self.tabs.addTab(self._runs_tab(), "Runs")
        self.tabs.addTab(self._versions_tab(), "Versions")
        self.tabs.addTab(self._contacts_tab(), "Contacts")
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        column.addWidget(self.tabs, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.list)
        splitter.addWidget(right)
        splitter.setSizes([250, 900])
        self.body.addWidget(splitter, 1)
        self.refresh()

    # ------------------------------------------------------------------ tabs
    def _runs_tab(self) -> QWidget:
        self.runs_table = table_with_headers(
            QTableWidget(), ["Run", "State", "By", "Started", "Steps"]
        )
        self.runs_table.cellDoubleClicked.connect(self._open_run_row)
        return self.runs_table

    def _versions_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.version_a = QComboBox()
        self.version_b = QComboBox()
        for box in (self.version_a, self.version_b):
            box.currentIndexChanged.connect(self._show_diff)
        row.addWidget(QLabel("Compare version"))
        row.addWidget(self.version_a)
        row.addWidget(QLabel("with"))
        row.addWidget(self.version_b)
        row.addStretch(1)
        self.versions_info = QLabel("")
        self.versions_info.setWordWrap(True)
        self.diff_view = QPlainTextEdit()
        self.diff_view.setReadOnly(True)
        layout.addLayout(row)
        layout.addWidget(self.versions_info)
        layout.addWidget(self.diff_view, 1)
        return tab

    def _contacts_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.contacts_view = QPlainTextEdit()
        self.contacts_view.setReadOnly(True)
        head = QHBoxLayout()
        head.addWidget(QLabel("Disaster-recovery contacts and escalation path"), 1)
        self.contacts_edit = self.page_action(
            "Edit contacts…", "mdi6.account-edit-outline", "", self.edit_contacts,
            needs="document.edit",
        )  # fmt: skip
        head.addWidget(self.button_for_action(self.contacts_edit))
        layout.addLayout(head)
        layout.addWidget(self.contacts_view, 1)
        return tab

    def button_for_action(self, action: Any) -> QWidget:
        from PySide6.QtWidgets import QToolButton

        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        return button

    # ------------------------------------------------------------------ state
    def refresh(self) -> None:
        current = self.current_name()
        listed = library.listing(self.ws)
        self.list.blockSignals(True)
        self.list.clear()
        for item in listed:
            entry = QListWidgetItem(item.title if not item.error else f"{item.name} (malformed)")
            entry.setData(Qt.ItemDataRole.UserRole, item.name)
            entry.setToolTip(item.error or f"version {item.version}, {item.steps} steps")
            if item.error:
                entry.setIcon(icon("mdi6.alert-outline", THEME.warning))
            self.list.addItem(entry)
        self.list.blockSignals(False)
        names = [i.name for i in listed]
        self.focus_item(current if current in names else (names[0] if names else ""))
        self._show_contacts()

    def current_name(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def focus_item(self, name: str) -> None:
        """Select runbook ``name`` (an alert's runbook link lands here)."""
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(row)
                self._select()
                return

    def _select(self) -> None:
        name = self.current_name()
        self.book, self.run = None, None
        self._banner("")
        if not name:
            return
        try:
            doc, self.book = library.load(self.ws, name)
        except format.RunbookError as exc:
            self._banner(f"This runbook cannot be used until it is fixed: {exc}", "warning")
            self.heading.setText(name)
            self.intro.setText("")
            self.checklist.clear_steps()
            self.run_label.setText("")
            self._show_versions(name)
            return
        self.run = runs.open_run(self.ws, name)
        self.heading.setText(f"{self.book.title}  ·  version {doc.version}")
        self.intro.setText(self.book.introduction)
        self._show_run()
        self._show_versions(name)
        self._show_runs(name)

    def _show_run(self) -> None:
        if self.book is None:
            return
        self.checklist.show_run(self.book, self.run, may_act=self.may_run)
        if self.run is None:
            self.run_label.setText("No run in progress: Start new run to work through it.")
            return
        done = len(self.run.records)
        self.run_label.setText(
            f"Run {self.run.id} · {self.run.state} · {done} of {len(self.book.steps)} steps · "
            f"started by {self.run.user} {timestamp(self.run.started_at)}"
        )

    def _show_runs(self, name: str) -> None:
        found = runs.history(self.ws, name)
        self.runs_table.setRowCount(len(found))
        for row, r in enumerate(found):
            cells = [str(r.id), r.state, r.user, timestamp(r.started_at), str(len(r.records))]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                self.runs_table.setItem(row, column, item)

    def _open_run_row(self, row: int, _column: int) -> None:
        item = self.runs_table.item(row, 0)
        if item is None:
            return
        self.run = runs.get(self.ws, int(item.data(Qt.ItemDataRole.UserRole)))
        self.book = runs.book_of(self.ws, self.run)
        self._show_run()
        self.tabs.setCurrentIndex(0)

    def _show_versions(self, name: str) -> None:
        found = documents.versions(self.ws, name)
        for box in (self.version_a, self.version_b):
            box.blockSignals(True)
            box.clear()
            for d in found:
                box.addItem(f"{d.version} · {d.user} · {timestamp(d.created_at)}", d.version)
            box.blockSignals(False)
        self.version_b.setCurrentIndex(0)
        self.version_a.setCurrentIndex(min(1, len(found) - 1))
        self._show_diff()

    def _show_diff(self) -> None:
        name = self.current_name()
        a, b = self.version_a.currentData(), self.version_b.currentData()
        if not name or a is None or b is None:
            return
        newer = documents.require(self.ws, name, int(b))
        self.versions_info.setText(f"Version {newer.version} by {newer.user}: {newer.reason}")
        lines = documents.diff(self.ws, name, int(a), int(b))
        self.diff_view.setPlainText("\n".join(lines) or "The two versions are identical.")

    def _show_contacts(self) -> None:
        try:
            data = library.contacts(self.ws)
        except ConsoleError as exc:
            self.contacts_view.setPlainText(f"The contacts cannot be read: {exc}")
            return
        lines = [f"Version {data['version']} by {data['updated_by']}", ""]
        for c in data["contacts"]:
            reach = ", ".join(x for x in (c.get("phone"), c.get("email")) if x) or "no number yet"
            lines.append(f"{c['name']} - {c.get('role', '')}: {reach}")
        lines.append("")
        lines.append("Escalation:")
        for e in data["escalation"]:
            lines.append(f"  level {e.get('level')} after {e.get('after')}: "
                         f"{', '.join(e.get('contacts', []))}")  # fmt: skip
        self.contacts_view.setPlainText("\n".join(lines))

    def _banner(self, text: str, kind: str = "") -> None:
        self.banner.setVisible(bool(text))
        self.banner.setText(text)
        bg, fg = (THEME.warning_soft, THEME.warning) if kind else (THEME.accent_soft, THEME.text)
        self.banner.setStyleSheet(BANNER.format(bg=bg, fg=fg))

    # ------------------------------------------------------------------ actions
    def start_run(self) -> None:
        name = self.current_name()
        if not name or self.book is None:
            return
        try:
            self.run = runs.start(self.ws, self.user, name)
        except ConsoleError as exc:
            workers.show_error(self, "Cannot start the run", exc)
            return
        self._show_run()
        self._show_runs(name)

    def act(self, step: int, what: str) -> workers.RunningJob | None:
        """Perform ``what`` on step ``step`` of the current run (the checklist's buttons)."""
        if self.run is None or self.book is None:
            return None
        target = self.book.steps[step]
        if what == "run":
            self.running = workers.run_job(
                self, f"{target.text}", runs.run_step, self.ws, self.user, self.run.id, step,
                on_done=self._check_done,
            )  # fmt: skip
            return self.running
        note = self.note.text().strip()
        status = {"open": "opened", "show": "done", "done": "done", "skip": "skipped"}[what]
        if what == "open":
            self._open(target.target)
        if what == "show":
            self.tabs.setCurrentIndex(3)
        try:
            self.run = runs.record(self.ws, self.user, self.run.id, step, status=status,
                                   result=note)  # fmt: skip
        except ConsoleError as exc:
            workers.show_error(self, "Step not recorded", exc)
            return None
        self.note.clear()
        self._show_run()
        return None

    def _check_done(self, result: tuple[runs.Run, Any]) -> None:
        self.run = result[0]
        self.running = None
        self._show_run()
        self.changed.emit()

    def _open(self, target: str) -> None:
        where, _, key = target.partition("/")
        if where == "page":
            self.open_page.emit(key)
        elif key == "rollback" and self.main is not None:
            self.main.roll_back()
        elif key == "import" and self.main is not None:
            self.main.data_page.start_import("predictions")
        else:
            self.open_page.emit("models")

    def edit_runbook(self) -> None:
        name = self.current_name()
        if not name:
            return
        doc = documents.require(self.ws, name)
        edited = DocumentEditDialog.ask(
            self, f"Edit runbook {name}", doc.text,
            "A step is a line '- [ ] text', optionally ending in @check(NAME), "
            "@open(page/KEY) or @show(contacts). Saving makes a new version.",
        )  # fmt: skip
        if edited is None:
            return
        try:
            library.save(self.ws, self.user, name, edited.text, reason=edited.reason)
        except ConsoleError as exc:
            workers.show_error(self, "Runbook not saved", exc)
            return
        self.refresh()

    def edit_contacts(self) -> None:
        doc = documents.require(self.ws, library.CONTACTS)
        edited = DocumentEditDialog.ask(
            self, "Edit recovery contacts", doc.text,
            "[[contact]] name, role, phone, email; [[escalation]] level, after, contacts.",
        )  # fmt: skip
        if edited is None:
            return
        try:
            library.save_contacts(self.ws, self.user, edited.text, reason=edited.reason)
        except ConsoleError as exc:
            workers.show_error(self, "Contacts not saved", exc)
            return
        self._show_contacts()
