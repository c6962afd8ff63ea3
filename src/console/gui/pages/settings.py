"""Settings: console.toml as it is now, each key with its documented meaning; validated
edits that become versions; the history of versions with diffs and revert."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.core.base import access, config_docs, config_versions
from console.core.base.errors import ConsoleError
from console.core.base.workspace import Workspace
from console.gui import workers
from console.gui.dialogs.document_edit import DocumentEditDialog
from console.gui.formatting import timestamp
from console.gui.pages.base import Page
from console.gui.widgets.tables import table_with_headers


class SettingsPage(Page):
    key = "settings"
    title = "Settings"
    icon_name = "mdi6.cog-outline"
    order = 95

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.may_edit = access.allowed(ws.role_of(user), "config.edit")
        self.edit_action = self.header_action(
            "Edit file…", "mdi6.file-document-edit-outline", "", self.edit_file,
            needs="config.edit",
        )  # fmt: skip
        self.tabs = QTabWidget()
        self.tabs.addTab(self._current_tab(), "Current")
        self.tabs.addTab(self._history_tab(), "History")
        self.body.addWidget(self.tabs, 1)
        self.refresh()

    # ------------------------------------------------------------------ building
    def _current_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.version_label = QLabel("")
        self.version_label.setProperty("role", "muted")
        self.keys = table_with_headers(QTableWidget(), ["Key", "Value", "Meaning"])
        self.keys.itemSelectionChanged.connect(self._key_chosen)
        self.value = QLineEdit()
        self.value.setPlaceholderText("New value")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why (kept with the version)")
        self.apply = QPushButton("Apply")
        self.apply.clicked.connect(self.apply_value)
        for widget in (self.value, self.reason, self.apply):
            widget.setEnabled(self.may_edit)
        if not self.may_edit:
            self.value.setPlaceholderText(f"Changing settings needs the admin role; {self.user} "
                                          f"is {self.ws.role_of(self.user)}.")  # fmt: skip
        row = QHBoxLayout()
        self.chosen = QLabel("")
        row.addWidget(self.chosen)
        row.addWidget(self.value, 1)
        row.addWidget(self.reason, 1)
        row.addWidget(self.apply)
        layout.addWidget(self.version_label)
        layout.addWidget(self.keys, 1)
        layout.addLayout(row)
        return tab

    def _history_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.history = table_with_headers(
            QTableWidget(), ["Version", "When", "Source", "Who", "Why"]
        )
        self.history.itemSelectionChanged.connect(self._show_diff)
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setPlaceholderText("Select a version to see what it changed.")
        self.revert_button = QPushButton("Revert to this version…")
        self.revert_button.setEnabled(False)
        self.revert_button.clicked.connect(self.revert_selected)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.revert_button)
        layout.addWidget(self.history, 1)
        layout.addWidget(self.diff, 1)
        layout.addLayout(row)
        return tab

    # ------------------------------------------------------------------ state
    def refresh(self) -> None:
        text = self.ws.config_path.read_text(encoding="utf-8")
        current = config_versions.current(self.ws)
        if current is not None:
            self.version_label.setText(
                f"Version {current.version} · {current.source} · {current.user} · "
                f"{timestamp(current.created_at)} · {current.reason}"
            )
        values = config_docs.flat_values(text)
        self.keys.setRowCount(len(values))
        for row, (key, value) in enumerate(values.items()):
            shown = value if isinstance(value, str) else repr(value).lower() if isinstance(
                value, bool) else str(value)  # fmt: skip
            for column, cell in enumerate((key, shown, config_docs.meaning(key))):
                item = QTableWidgetItem(cell)
                item.setToolTip(cell)
                self.keys.setItem(row, column, item)
        versions = config_versions.history(self.ws)
        self.history.setRowCount(len(versions))
        for row, v in enumerate(versions):
            cells = [str(v.version), timestamp(v.created_at), v.source, v.user, v.reason]
            for column, cell in enumerate(cells):
                item = QTableWidgetItem(cell)
                item.setData(Qt.ItemDataRole.UserRole, v.version)
                self.history.setItem(row, column, item)

    def _key_chosen(self) -> None:
        row = self.keys.currentRow()
        if row < 0:
            return
        key, value = self.keys.item(row, 0), self.keys.item(row, 1)
        if key is None or value is None:
            return
        self.chosen.setText(key.text())
        self.value.setText(value.text())

    def selected_version(self) -> int | None:
        item = self.history.item(self.history.currentRow(), 0)
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _show_diff(self) -> None:
        version = self.selected_version()
        self.revert_button.setEnabled(self.may_edit and version is not None)
        if version is None:
            return
        previous = version - 1 if version > 1 else version
        result = config_versions.diff(self.ws, previous, version)
        lines = result["diff"] or [f"Version {version} is the first one."]
        self.diff.setPlainText("\n".join(lines))

    # ------------------------------------------------------------------ changes
    def _save(self, text: str, reason: str, title: str) -> bool:
        try:
            config_versions.save(self.ws, self.user, text, reason=reason)
        except ConsoleError as exc:
            workers.show_error(self, title, exc)
            return False
        self.refresh()
        self.changed.emit()
        return True

    def apply_value(self) -> bool:
        key = self.chosen.text()
        if not key:
            return False
        text = config_docs.with_value(self.ws.config_path.read_text(encoding="utf-8"), key,
                                      self.value.text())  # fmt: skip
        saved = self._save(text, self.reason.text().strip(), f"{key} not changed")
        if saved:
            self.reason.clear()
        return saved

    def edit_file(self) -> None:
        text = self.ws.config_path.read_text(encoding="utf-8")
        edited = DocumentEditDialog.ask(
            self, "Edit console.toml", text,
            "Validated like any load: a wrong key or value is refused with its line.",
        )  # fmt: skip
        if edited is not None:
            self._save(edited.text, edited.reason, "console.toml not changed")

    @staticmethod
    def ask_reason(parent: QWidget, version: int) -> str | None:
        text, ok = QInputDialog.getText(parent, "Revert", f"Why revert to version {version}?")
        return text if ok else None

    def revert_selected(self) -> bool:
        version = self.selected_version()
        if version is None:
            return False
        reason = self.ask_reason(self, version)
        if reason is None:
            return False
        try:
            config_versions.revert(self.ws, self.user, version, reason=reason)
        except ConsoleError as exc:
            workers.show_error(self, "Revert refused", exc)
            return False
        self.refresh()
        self.changed.emit()
        return True
