"""Alert centre: open alerts by severity with age, acknowledge, silence, history, rollback."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt.utils import signals_blocked

from console.core.alerts import engine, evidence, notify, silences
from console.core.alerts.check_run import CheckRun, recheck_and_evaluate
from console.core.alerts.records import Alert
from console.core.alerts.rollback_offer import rollback_offer
from console.core.base import access, clock
from console.core.base.alert_rules import AlertSettings, load_settings, parse_settings
from console.core.base.errors import ConfigError, ConsoleError
from console.core.base.workspace import Workspace
from console.core.lineage import what_changed
from console.gui import formatting as fmt
from console.gui import workers
from console.gui.dialogs.alert_ack import AckDialog
from console.gui.dialogs.alert_silence import SilenceDialog
from console.gui.pages.base import Page
from console.gui.style import icon
from console.gui.widgets.alert_detail import AlertDetail
from console.gui.widgets.alert_tables import AlertTable, fill_history, history_table
from console.gui.widgets.tables import table_with_headers
from console.gui.widgets.what_changed import WhatChangedPanel

HISTORY_KINDS = [
    "fired",
    "resolved",
    "acknowledged",
    "escalated",
    "reminder",
    "no_data",
    "notify_failed",
    "pending",
    "refired",
]


class AlertsPage(Page):
    key = "alerts"
    title = "Alerts"
    icon_name = "mdi6.bell-ring-outline"
    order = 40
    listens_to = ("alerts_changed", "report_stored", "deployed", "config_changed")

    @classmethod
    def create(cls, window: Any) -> AlertsPage:
        return cls(window.ws, window.user)

    def __init__(self, ws: Workspace, user: str, parent: QWidget | None = None) -> None:
        super().__init__(ws, user, parent)
        self.role = ws.role_of(user)
        self.evaluate_action = self.page_action(
            "Evaluate now",
            "mdi6.play-circle-outline",
            "F6",
            self.evaluate_now,
            needs="alert.evaluate",
        )
        self.ack_action = self.page_action(
            "Acknowledge…",
            "mdi6.check-circle-outline",
            "Ctrl+K",
            self.acknowledge_selected,
            needs="alert.ack",
        )
        self.silence_action = self.page_action(
            "Silence…",
            "mdi6.bell-off-outline",
            "Ctrl+Shift+M",
            self.silence_selected,
            needs="alert.silence",
        )
        for action in (self.evaluate_action, self.silence_action):
            self.add_header_button(action)

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("background:#fbe4e2; color:#b3261e; padding:6px 10px;")
        self.problem.hide()
        self.last_run: CheckRun | None = None
        self.stale: dict[str, evidence.StaleEvidence] = {}
        self.done_note = QLabel()  # what the last Evaluate now did
        self.done_note.setWordWrap(True)
        self.done_note.setProperty("role", "muted")
        self.done_note.hide()
        self.table = AlertTable()
        self.table.itemSelectionChanged.connect(self._show_current)
        self.detail = AlertDetail(later=self.build_later)
        self.detail.acknowledge.connect(self.acknowledge_selected)
        self.detail.silence.connect(self.silence_selected)
        self.detail.rollback.connect(self.rollback)
        self.detail.open_page.connect(self.open_page.emit)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        self.what_changed = WhatChangedPanel(ws, user)
        split.addWidget(self.what_changed)
        split.setSizes([240, 330, 200])

        self.tabs = QTabWidget()
        self.tabs.addTab(split, icon("mdi6.bell-alert-outline"), "Open")
        self.tabs.addTab(self._history_tab(), icon("mdi6.history"), "History")
        self.tabs.addTab(self._silences_tab(), icon("mdi6.bell-off-outline"), "Silences")
        self.body.addWidget(self.problem)
        self.body.addWidget(self.done_note)
        self.body.addWidget(self.tabs, 1)
        self.settings: AlertSettings | None = None

    def _history_tab(self) -> QWidget:
        self.rule_filter = QComboBox()
        self.kind_filter = QComboBox()
        self.kind_filter.addItems(["all events", *HISTORY_KINDS])
        self.severity_filter = QComboBox()
        self.severity_filter.addItems(["any severity", "critical", "warning"])
        filters = QHBoxLayout()
        for label, box in (
            ("Rule", self.rule_filter),
            ("Event", self.kind_filter),
            ("Severity", self.severity_filter),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(box)
            box.currentIndexChanged.connect(self.refresh_history)
        filters.addStretch(1)
        self.history = history_table()
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addLayout(filters)
        layout.addWidget(self.history, 1)
        return tab

    def _silences_tab(self) -> QWidget:
        self.silence_table = table_with_headers(
            QTableWidget(), ["ID", "Matcher", "Until (UTC)", "By", "Reason"]
        )
        self.end_silence = QPushButton(icon("mdi6.bell-ring-outline"), "End silence")
        self.end_silence.setEnabled(access.allowed(self.role, "alert.silence"))
        self.end_silence.clicked.connect(self.end_selected_silence)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.silence_table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.end_silence)
        layout.addLayout(row)
        return tab

    # ------------------------------------------------------------------ reading
    def refresh(self) -> None:
        try:
            self.settings = load_settings(self.ws)
            problem = ""
        except ConfigError as exc:
            self.settings = parse_settings({}, self.ws.config.thresholds, "defaults")
            problem = f"Alert rules refused, showing the defaults: {exc}"
        failed = notify.failures(self.ws, 3)
        if failed:
            problem = "\n".join(
                [
                    problem,
                    *(f"Notification failed: {n.channel} {n.target} {n.error}" for n in failed),
                ]
            ).strip()
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        opened = engine.open_alerts(self.ws)
        self.stale = evidence.stale_evidence(self.ws, opened)
        self.table.set_alerts(opened, stale=self.stale)
        counts = engine.count_alerts(opened)  # as the badge and the Overview tile count
        self.subtitle.setText(
            f"{counts.headline} · {counts.rest} ({counts.window}) · "
            f"{len(silences.list_silences(self.ws))} silence(s) in force"
        )
        self.tabs.setTabText(0, f"Open ({counts.open})")
        self._show_current()
        keep = self.rule_filter.currentText()
        with signals_blocked(self.rule_filter):
            self.rule_filter.clear()
            self.rule_filter.addItems(["all rules", *(r.name for r in self.settings.rules)])
            self.rule_filter.setCurrentText(keep or "all rules")
        self.refresh_history()
        self._fill_silences()

    def refresh_history(self) -> None:
        def chosen(box: QComboBox) -> str | None:
            return box.currentText() if box.currentIndex() > 0 else None

        flt = engine.HistoryFilter(
            rule=chosen(self.rule_filter),
            kind=chosen(self.kind_filter),
            severity=chosen(self.severity_filter),
            limit=500,
        )
        fill_history(self.history, engine.history(self.ws, flt))

    def _fill_silences(self) -> None:
        found = silences.list_silences(self.ws)
        self.silence_table.setRowCount(len(found))
        for row, s in enumerate(found):
            matcher = ", ".join(f"{k}={v}" for k, v in s.matcher.items())
            until = fmt.timestamp(s.until).removesuffix(" UTC")
            cells = [str(s.id), matcher, until, s.created_by, s.reason]
            for column, text in enumerate(cells):
                self.silence_table.setItem(row, column, QTableWidgetItem(text))

    def _show_current(self) -> None:
        alert = self.table.current_alert()
        points = engine.samples(self.ws, alert.rule) if alert else None
        self.detail.show_alert(
            alert,
            points,
            self.stale.get(alert.rule) if alert else None,
            rollback_offer(self.ws, self.user, alert) if alert else None,
        )
        if alert is not None:
            try:
                start = what_changed.alert_start(self.ws, alert.rule)
            except ConsoleError:
                start = clock.parse_moment(alert.fired_at or alert.since)
            self.what_changed.set_moment(start, f"before {alert.rule} started")
        self.ack_action.setEnabled(
            access.allowed(self.role, "alert.ack") and alert is not None and not alert.acked_by
        )

    def select(self, rule: str) -> None:
        self.tabs.setCurrentIndex(0)
        self.table.select_rule(rule)

    # ------------------------------------------------------------------ acting
    def _do(self, title: str, fn: Any, *args: Any) -> bool:
        try:
            fn(*args)
        except Exception as exc:
            workers.show_error(self.window(), title, exc)
            return False
        self.refresh()
        self.changed.emit()
        return True

    def evaluate_now(self) -> workers.RunningJob | None:
        """Re-run the live checks (pipeline, machine, scoring service), then evaluate, as a
        quiet job (delivering e-mail may wait on a slow relay); say what it did."""
        self.last_run = None
        return self.load_in_background(
            "Re-checking and evaluating", recheck_and_evaluate, self.ws, self.user,
            on_done=self._evaluated, key="evaluate",
        )  # fmt: skip

    def _evaluated(self, run: CheckRun) -> None:
        self.last_run = run
        self.refresh()
        self.done_note.setText(run.summary())
        self.done_note.show()
        self.changed.emit()

    def acknowledge_selected(self, alert: Alert | None = None) -> None:
        alert = alert if isinstance(alert, Alert) else self.table.current_alert()
        if alert is None:
            return
        note = AckDialog.ask(self.window(), alert, self.user)
        if note is not None:
            self._do("Acknowledge", engine.acknowledge, self.ws, self.user, alert.rule, note)

    def silence_selected(self) -> None:
        request = SilenceDialog.ask(self.window(), self.table.current_alert())
        if request is not None:
            self._do(
                "Silence",
                silences.silence,
                self.ws,
                self.user,
                request.matcher,
                request.until,
                request.reason,
            )

    def end_selected_silence(self) -> None:
        row = self.silence_table.currentRow()
        item = self.silence_table.item(row, 0) if row >= 0 else None
        if item is not None:
            self._do("End silence", silences.unsilence, self.ws, self.user, int(item.text()))

    def rollback(self) -> None:
        """One click from the selected alert to the rollback dialog, reason prefilled."""
        from console.gui.dialogs.rollback import RollbackDialog

        RollbackDialog.ask(
            self.window(), self.ws, self.user, alert=self.detail.alert,
            on_deployed=lambda _deployment: self.changed.emit(),
        )  # fmt: skip
