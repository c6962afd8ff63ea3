"""Users: who has which role and when they last acted (the periodic access review),
access findings, console accounts and credentials."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtWidgets import (
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)
from superqt.utils import signals_blocked

from console.core.base import access, clock
from console.core.base.errors import ConsoleError
from console.core.base.workspace import Workspace
from console.core.security import accounts, monitoring, review
from console.gui import formatting as fmt
from console.gui import workers
from console.gui.dialogs.account import PasswordDialog, RoleDialog
from console.gui.dialogs.credentials import CredentialsDialog
from console.gui.pages.base import Page
from console.gui.style import THEME
from console.gui.widgets.tables import table_with_headers

HEADERS = [
    "User",
    "Role",
    "Password",
    "Granted",
    "Granted by",
    "Last acted (UTC)",
    "Last action",
    f"Actions ({review.REVIEW_DAYS} d)",
    f"Denied ({review.REVIEW_DAYS} d)",
]
FINDINGS_HOURS = 24
IDLE_DAYS = 60


class UsersPage(Page):
    key = "users"
    title = "Users and access"
    icon_name = "mdi6.account-lock-outline"
    order = 95

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        role = ws.role_of(user)
        self.is_admin = access.allowed(role, "user.manage")
        self.may_review = access.allowed(role, "audit.read")
        self.role_action = self.header_action(
            "Set role…", "mdi6.account-edit", "Ctrl+Shift+R", self.set_role
        )
        self.password_action = self.header_action(
            "Set password…", "mdi6.form-textbox-password", "Ctrl+P", self.set_password
        )
        self.accounts_action = self.header_action(
            "Require sign-in", "mdi6.login-variant", "", self.toggle_accounts
        )
        self.accounts_action.setCheckable(True)
        self.credentials_action = self.header_action(
            "Credentials…", "mdi6.key-chain", "Ctrl+K", self.open_credentials
        )
        for action in (self.role_action, self.password_action, self.accounts_action):
            action.setEnabled(self.is_admin)
            if not self.is_admin:
                action.setToolTip(f"Needs the admin role; {user} is {role}.")

        self.findings = QLabel("")
        self.findings.setWordWrap(True)
        self.body.addWidget(self.findings)
        self.table = table_with_headers(QTableWidget(), HEADERS)
        self.table.doubleClicked.connect(lambda _index: self.set_role())
        self.body.addWidget(self.table, 1)
        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.body.addWidget(self.note)

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        on = accounts.enabled(self.ws)
        with signals_blocked(self.accounts_action):
            self.accounts_action.setChecked(on)
        sign_in = "console accounts: sign-in required" if on else "identity: the OS user"
        self.subtitle.setText(f"Periodic access review · {sign_in}")
        if self.may_review:
            rows = [r.as_dict() for r in review.access_review(self.ws, self.user)]
            self._show_findings()
            self.note.setText(
                "Grey role in brackets: acted without a grant (default role). Amber: no "
                f"action for {IDLE_DAYS}+ days — review whether the role is still needed."
            )
        else:
            rows = [
                {"name": u["name"], "role": u["role"], "in_users_table": True,
                 "granted_at": u["created_at"], "granted_by": u["created_by"]}
                for u in self.ws.users()
            ]  # fmt: skip
            self.findings.setText("")
            self.note.setText(
                "Last actions and access findings need the auditor or admin role "
                f"({self.user} is {self.ws.role_of(self.user)})."
            )
        self._fill(rows)

    def _fill(self, rows: list[dict[str, Any]]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            granted = row.get("in_users_table", True)
            idle = row.get("idle_days")
            values = [
                row["name"],
                row["role"] if granted else f"({row['role']})",
                "yes" if row.get("has_password") else "–",
                fmt.day(row.get("granted_at")),
                row.get("granted_by") or "–",
                fmt.timestamp(row.get("last_action_at")).removesuffix(" UTC"),
                row.get("last_action") or "–",
                fmt.count(row.get("actions_recent")),
                fmt.count(row.get("denials_recent")),
            ]
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if not granted:
                    item.setForeground(THEME.color("muted"))
                if c == 8 and row.get("denials_recent"):
                    item.setForeground(THEME.color("danger"))
                if idle is not None and idle >= IDLE_DAYS:
                    item.setBackground(THEME.color("warning_soft"))
                self.table.setItem(r, c, item)

    def _show_findings(self) -> None:
        since = clock.now() - dt.timedelta(hours=FINDINGS_HOURS)
        found = monitoring.access_findings(self.ws, since)
        if not found:
            self.findings.setStyleSheet(f"color: {THEME.muted};")
            self.findings.setText(
                f"No repeated failed sign-ins or permission denials in the last "
                f"{FINDINGS_HOURS} hours."
            )
            return
        worst = THEME.danger if found[0]["severity"] == "critical" else THEME.warning
        soft = THEME.danger_soft if found[0]["severity"] == "critical" else THEME.warning_soft
        self.findings.setStyleSheet(
            f"padding: 6px 10px; border-radius: 4px; border: 1px solid {worst}; background: {soft};"
        )
        self.findings.setText(
            "<br>".join(f"<b>{f['severity'].upper()}</b> {f['message']}" for f in found)
        )

    # ------------------------------------------------------------------ actions
    def _selected_name(self) -> str:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item else ""

    def _run(self, title: str, change: Any, *args: Any) -> bool:
        try:
            change(self.ws, self.user, *args)
        except ConsoleError as exc:
            workers.show_error(self, title, exc)
            self.refresh()
            return False
        self.changed.emit()
        return True

    def set_role(self) -> bool:
        name = self._selected_name()
        role = self.ws.role_of(name) if name else "viewer"
        answer = RoleDialog.ask(self.window(), name, role)
        if answer is None:
            return False
        return self._run(
            "Cannot set the role", lambda ws, user, n, r: ws.set_role(user, n, r), *answer
        )

    def set_password(self) -> bool:
        name = self._selected_name() or self.user
        password = PasswordDialog.ask(self.window(), name)
        if password is None:
            return False
        return self._run("Cannot set the password", accounts.set_password, name, password)

    def toggle_accounts(self, on: bool) -> bool:
        return self._run("Cannot change sign-in", accounts.set_enabled, on)

    def open_credentials(self) -> None:
        CredentialsDialog.manage(self.window(), self.ws, self.user)
        self.changed.emit()
