"""Audit: the tamper-evident log — filter, search, verify the chain, export."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QWidget,
)
from superqt.utils import qdebounced, signals_blocked

from console.core.base import access, audit, clock
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.security import audit_export, policy
from console.gui import workers
from console.gui.dialogs.audit_export import AuditExportDialog
from console.gui.pages.base import Page
from console.gui.style import THEME
from console.gui.widgets.audit_table import AuditTableModel
from console.gui.widgets.tables import style_table

SHOWN_LIMIT = 5000
PERIODS: list[tuple[str, dt.timedelta | None]] = [
    ("All time", None),
    ("Last 24 hours", dt.timedelta(hours=24)),
    ("Last 7 days", dt.timedelta(days=7)),
    ("Last 30 days", dt.timedelta(days=30)),
]
BANNER = "padding: 6px 10px; border-radius: 4px; border: 1px solid {border}; background: {bg};"


def verified_banner(report: audit.ChainReport, caveats: list[str]) -> tuple[str, str]:
    """(text, state) of the banner after a consistent chain: green only when the signed
    head in the keyring anchors it, every checkpoint is signed and nothing is
    unprotected; otherwise amber, saying plainly what the check could not prove (and
    never "intact" for a log nothing anchors)."""
    unsigned = report.checkpoints - report.signed_checkpoints
    head = report.summary()
    if report.checkpoints:
        head += f"; {report.signed_checkpoints} of {report.checkpoints} checkpoint(s) signed"
    gaps: list[str] = []
    if unsigned:
        gaps.append(
            f"{unsigned} checkpoint(s) are unsigned, so removing the newest entries would not show"
        )
    gaps += caveats
    notes = [n for n in report.notes if n not in head]
    if report.tamper_evident and not gaps:
        return head + (f" ({'; '.join(notes)})" if notes else "") + ".", "ok"
    return head + (f" — but {'; '.join(gaps)}" if gaps else "") + ".", "warning"


class AuditPage(Page):
    key = "audit"
    title = "Audit log"
    icon_name = "mdi6.shield-check-outline"
    order = 90

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.may_read = access.allowed(ws.role_of(user), "audit.read")
        self.may_export = access.allowed(ws.role_of(user), "audit.export")
        self.verify_action = self.header_action(
            "Verify", "mdi6.shield-check", "Ctrl+Shift+V", self.verify
        )
        self.export_action = self.header_action(
            "Export…", "mdi6.file-export-outline", "Ctrl+E", self.export
        )
        self.export_action.setEnabled(self.may_export)
        self.verify_action.setEnabled(self.may_read)
        self.last_report: audit.ChainReport | None = None
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.body.addWidget(self.banner)
        self.body.addLayout(self._filters())
        focus = QAction(self)
        focus.setShortcut(QKeySequence.StandardKey.Find)
        focus.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        focus.triggered.connect(self.search.setFocus)
        self.addAction(focus)

        self.model = AuditTableModel()
        self.table = _table_view(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText("Select an entry to see everything it records.")
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setSizes([460, 150])
        self.body.addWidget(splitter, 1)
        if not self.may_read:
            role = ws.role_of(user)
            self._show_banner(
                f"Reading the audit log needs the auditor or admin role; {user} is {role}.",
                "warning",
            )
            for widget in (splitter, self.search, self.action_box, self.user_box):
                widget.setEnabled(False)
        else:
            self._show_open_check()

    def _show_open_check(self) -> None:
        """What the quick check at open found, until a full verification replaces it."""
        found = self.ws.integrity
        if not found.ok:
            self._show_banner(
                f"Tampering found when the workspace opened: {found.described()}\n"
                "Investigate; an admin can accept the state with 'console audit reanchor'.",
                "danger",
            )
        elif not found.anchored:
            self._show_banner(
                "This audit log is NOT tamper-evident here: " + "; ".join(found.notes) + ".",
                "warning",
            )

    # ------------------------------------------------------------------ building
    def _filters(self) -> QHBoxLayout:
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("Search user, action, target or details  (Ctrl+F)")
        self.search.textChanged.connect(self._search_changed)
        self.action_box = QComboBox()
        self.user_box = QComboBox()
        self.outcome_box = QComboBox()
        self.outcome_box.addItem("Any outcome", None)
        for outcome in ("ok", "denied", "refused"):
            self.outcome_box.addItem(outcome, outcome)
        self.period_box = QComboBox()
        for text, span in PERIODS:
            self.period_box.addItem(text, span)
        for box in (self.action_box, self.user_box, self.outcome_box, self.period_box):
            box.currentIndexChanged.connect(self.refresh)
        self.count_label = QLabel("")
        self.count_label.setProperty("role", "muted")
        row = QHBoxLayout()
        row.addWidget(self.search, 2)
        for box in (self.action_box, self.user_box, self.outcome_box, self.period_box):
            row.addWidget(box)
        row.addWidget(self.count_label)
        return row

    # ------------------------------------------------------------------ state
    def filters(self) -> dict[str, Any]:
        span = self.period_box.currentData()
        return {
            "search": self.search.text().strip() or None,
            "action": self.action_box.currentData(),
            "user": self.user_box.currentData(),
            "outcome": self.outcome_box.currentData(),
            "since": clock.iso(clock.now() - span) if span else None,
        }

    def refresh(self) -> None:
        if not self.may_read:
            return
        self._fill_choices()
        entries = audit.entries(self.ws.conn, limit=SHOWN_LIMIT, **self.filters())
        keep = self.selected_entry()
        self.model.set_entries(entries)
        total = audit.count(self.ws.conn)
        more = " (newest shown)" if len(entries) == SHOWN_LIMIT else ""
        self.count_label.setText(f"{len(entries):,} of {total:,}{more}")
        self.subtitle.setText(
            "Every change, sign-in and refusal, hash-chained with signed checkpoints"
        )
        row = self.model.row_of(keep.seq) if keep else None
        self.table.selectRow(row if row is not None else 0)
        if not entries:
            self.detail.clear()

    def _fill_choices(self) -> None:
        actions, users = audit.distinct_actors(self.ws.conn)
        families = sorted({a.split(".")[0] for a in actions} | set(actions))
        for box, first, values in (
            (self.action_box, "All actions", families),
            (self.user_box, "All users", users),
        ):
            current = box.currentData()
            with signals_blocked(box):
                box.clear()
                box.addItem(first, None)
                for value in values:
                    box.addItem(value, value)
                found = box.findData(current)
                box.setCurrentIndex(max(found, 0))

    @qdebounced(timeout=250)
    def _search_changed(self) -> None:
        self.refresh()

    def selected_entry(self) -> audit.AuditEntry | None:
        current = self.table.currentIndex()
        return self.model.entry(current.row()) if current.isValid() else None

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        entry = self.model.entry(current.row())
        self.detail.setPlainText(json.dumps(entry.as_dict(), indent=2, ensure_ascii=False))

    def _show_banner(self, text: str, state: str) -> None:
        colours = {
            "ok": (THEME.ok, "#e3f2e8"),
            "warning": (THEME.warning, THEME.warning_soft),
            "danger": (THEME.danger, THEME.danger_soft),
        }
        border, background = colours[state]
        self.banner.setStyleSheet(BANNER.format(border=border, bg=background))
        self.banner.setText(text)

    # ------------------------------------------------------------------ actions
    def verify(self) -> workers.RunningJob | None:
        """Check the chain and checkpoints as a job (a long log takes a while); show the
        outcome and select the first bad entry."""
        try:
            self.ws.authorize(self.user, "audit.read", "audit")
        except Exception as exc:  # PermissionDenied: explained in the message box
            workers.show_error(self, "Cannot verify the audit log", exc)
            return None
        return workers.run_job(
            self.window(), "Verify the audit log", _verify, self.ws, on_done=self._verified
        )

    def _verified(self, report: audit.ChainReport) -> None:
        self.last_report = report
        self.model.mark_bad(report.first_bad)
        if report.ok:
            self._show_banner(*verified_banner(report, policy.status(self.ws).caveats()))
        else:
            if report.changes:
                changed = "".join(f"\n  • {c}" for c in report.changes)
                text = "Audit log BROKEN: security state changed outside the console:" + changed
            else:
                text = f"{report.summary()}."
            self._show_banner(text, "danger")
            self._select_seq(report.first_bad)

    def _select_seq(self, seq: int | None) -> None:
        if seq is None:
            return
        row = self.model.row_of(seq)
        if row is None:  # filtered out: show everything around it
            self.search.clear()
            for box in (self.action_box, self.user_box, self.outcome_box, self.period_box):
                box.setCurrentIndex(0)
            self.refresh()
            row = self.model.row_of(seq)
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def export(self) -> audit_export.ExportResult | None:
        choice = AuditExportDialog.ask(self.window())
        if choice is None:
            return None
        try:
            result = audit_export.export_audit(
                self.ws,
                self.user,
                choice.path,
                fmt=choice.fmt,
                passphrase=choice.passphrase,
                filters=self.filters(),
            )
        except Exception as exc:  # BadInput / PermissionDenied / OSError: told, not kept
            workers.show_error(self, "Export failed", exc)
            self.changed.emit()
            return None
        state = "encrypted" if result.encrypted else "not encrypted"
        self._show_banner(
            f"Exported {result.entries:,} entries to {result.path} ({result.format}, {state}).",
            "ok",
        )
        self.changed.emit()
        return result


def _table_view(model: AuditTableModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    return style_table(table)


def _verify(ws: Workspace, *, ctx: JobContext) -> audit.ChainReport:
    """The Verify job: on the job thread's own connection to the workspace."""
    return audit.verify(ws.conn, ctx=ctx)
