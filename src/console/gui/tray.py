"""The tray icon (or, where the desktop has none, an in-window badge and banner).

:class:`TrayController` shows the worst severity among firing alerts and their count,
offers a menu (open console, recent alerts, acknowledge), pops a desktop notification
when a critical fires, beeps for the ``sound`` channel, and runs the alert evaluation on
a timer (``[alerts] evaluate_every``) so a console left open keeps alerting. The
evaluation runs as a quiet background job: e-mail through a slow or unreachable relay
and site commands never hold up the window. Without a
system tray (``QSystemTrayIcon.isSystemTrayAvailable()`` is False, e.g. offscreen or a
bare X server) a badge in the status bar and a banner above the pages do the same job.

The main window creates it with ``self.tray = TrayController(self)`` and stops it in
``closeEvent`` with ``self.tray.stop()``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMenu,
    QPushButton,
    QSystemTrayIcon,
    QToolBar,
    QToolButton,
)

from console.core.alerts import engine, notify
from console.core.alerts.records import Alert, AlertEvent
from console.core.alerts.rollback_offer import RollbackOffer, rollback_offer
from console.core.base import access
from console.core.base.alert_rules import load_settings
from console.core.base.errors import ConsoleError
from console.gui import workers
from console.gui.style import THEME, icon

log = logging.getLogger("console.gui")
COLOURS = {"critical": THEME.danger, "warning": THEME.warning, "": THEME.ok}


#: the longest tray or status-bar notice; desktop balloons cut longer ones
MESSAGE_LIMIT = 100
_NOTICE = re.compile(
    r"^(?P<kind>ESCALATED |REMINDER |NO DATA )?\[(?P<severity>\w+)\] \S+: "
    r"(?P<summary>.*?) — (?P<value>[^(]*?) \("
)


def short_message(message: str) -> str:
    """A notification as an operator reads it in a balloon: severity, what, the value;
    no rule ids or runbook links (those are on the Alerts page)."""
    text = message.split(" Runbook:", maxsplit=1)[0].strip()
    found = _NOTICE.match(text)
    if found:
        kind = found["kind"].strip().lower() if found["kind"] else ""
        head = found["severity"].capitalize() + (f" ({kind})" if kind else "")
        text = f"{head}: {found['summary']} ({found['value'].strip()})"
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1].rstrip() + "…"
    return text


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


class TrayController(QObject):
    """Alert presence outside the Alerts page: tray icon or badge + banner."""

    #: (worst severity or "", number of firing alerts) after every refresh
    updated = Signal(str, int)

    def __init__(self, window: Any, *, use_tray: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ws, self.user = window.ws, window.user
        self.role = window.ws.role_of(window.user)
        self.use_tray = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.worst, self.count = "", 0
        self.firing: list[Alert] = []
        self.last_message = ""
        self.evaluation: workers.RunningJob | None = None
        self._again = False  # a tick came while an evaluation ran: evaluate once more
        #: what the banner and the tray menu offer (one core answer for both)
        self.offer = RollbackOffer(None, "")
        self.menu = QMenu()
        self.recent_menu = self.menu.addMenu("Recent alerts")
        self.ack_menu = self.menu.addMenu("Acknowledge")
        self.menu.insertAction(self.recent_menu.menuAction(), self._open_action())
        self.rollback_action = self.menu.addAction(
            icon("mdi6.backup-restore"), "Roll back…", self.roll_back
        )
        self.rollback_action.setEnabled(False)  # until refresh() asks the core
        self.tray: QSystemTrayIcon | None = None
        if self.use_tray:
            self.tray = QSystemTrayIcon(self._icon(""), self)
            self.tray.setContextMenu(self.menu)
            self.tray.activated.connect(lambda _reason: self.open_alerts(bring_up=True))
            self.tray.messageClicked.connect(self.notification_clicked)
            self.tray.show()
        self.badge = QToolButton()
        self.badge.setAutoRaise(True)
        self.badge.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.badge.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.badge.setMenu(self.menu)
        self.badge.clicked.connect(self.open_alerts)
        self.banner = self._banner()
        if not self.use_tray:
            window.statusBar().insertPermanentWidget(0, self.badge)
            window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner)
        self.banner.setVisible(False)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        try:
            seconds = load_settings(self.ws).evaluate_every_seconds
        except ConsoleError:
            seconds = 60
        self.timer.start(seconds * 1000)
        for page in window.built_pages():  # evaluate after every check, ingest or change
            self._follow(page)
        window.page_built.connect(self._follow)
        self.refresh()

    def _follow(self, page: Any) -> None:
        page.changed.connect(self.tick)
        if hasattr(page, "import_ended"):
            page.import_ended.connect(self.tick)

    def _open_action(self) -> QAction:
        action = QAction(icon("mdi6.monitor-dashboard"), "Open console", self.menu)
        action.triggered.connect(self.show_window)
        return action

    def _banner(self) -> QToolBar:
        bar = QToolBar("Alerts")
        bar.setObjectName("alert-banner")
        bar.setMovable(False)
        bar.setStyleSheet(f"QToolBar#alert-banner {{ background: {THEME.danger_soft}; }}")
        self.banner_text = QLabel()
        self.banner_text.setStyleSheet(f"color: {THEME.danger}; font-weight: 600; padding: 4px;")
        bar.addWidget(self.banner_text)
        # first after the text: the action that ends the incident must never overflow
        self.banner_rollback = QPushButton(icon("mdi6.backup-restore"), "Roll back…")
        self.banner_rollback.setToolTip(
            "Put the previous production model back; the reason is taken from this alert"
        )
        self.banner_rollback.clicked.connect(lambda _checked=False: self.roll_back())
        # a toolbar shows or hides a widget through its action
        self.banner_rollback_item = bar.addWidget(self.banner_rollback)
        self.banner_rollback_item.setVisible(False)  # until refresh() asks the core
        for text, slot in (
            ("Open alert centre", self.open_alerts),
            ("Acknowledge…", self.ack_first),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            bar.addWidget(button)
        return bar

    @staticmethod
    def _icon(worst: str) -> QIcon:
        name = {"critical": "mdi6.bell-alert", "warning": "mdi6.bell-ring"}.get(worst, "mdi6.bell")
        return icon(name, COLOURS[worst])

    # ------------------------------------------------------------------ updating
    def tick(self, *_args: object) -> None:
        """Timer or a change: evaluate in the background (when the role allows it), then
        refresh what is shown; one evaluation at a time."""
        if not access.allowed(self.role, "alert.evaluate"):
            self.refresh()
            return
        if self.evaluation is not None:
            self._again = True
            return
        self.evaluation = workers.run_job(
            self.window, "Evaluating alerts", engine.evaluate_latest, self.ws, self.user,
            on_done=self._evaluated, quiet=True,
        )  # fmt: skip
        self.evaluation.ended.connect(self._evaluation_ended)

    def _evaluated(self, events: list[AlertEvent]) -> None:
        """The pages follow the evaluation's alerts_changed event themselves."""

    def _evaluation_ended(self, _outcome: str) -> None:
        self.evaluation = None
        self.refresh()
        if self._again:
            self._again = False
            self.tick()

    def refresh(self) -> None:
        opened = engine.open_alerts(self.ws)
        self.firing = [a for a in opened if a.state == "firing"]
        loud = [a for a in self.firing if not a.inhibited_by and a.silenced_by is None]
        counts = engine.count_alerts(opened)  # as the Overview tile and the Alerts page
        self.worst, self.count = counts.worst, counts.loud
        text = (
            f"{self.count} {self.worst} alert{'s' if self.count != 1 else ''} firing"
            if self.count
            else "No alerts firing"
        )
        self.badge.setIcon(self._icon(self.worst))
        self.badge.setText(str(self.count) if self.count else "")
        self.badge.setToolTip(text)
        if self.tray is not None:
            self.tray.setIcon(self._icon(self.worst))
            self.tray.setToolTip(f"Model Operations Console — {text}")
        unacked = [a for a in loud if not a.acked_by and a.severity == "critical"]
        first = unacked[0] if unacked else self.critical_alert()
        # after a switch, an alert that judges the version no longer in production says
        # so, and neither the banner nor the tray menu offers to roll back to that version
        self.offer = rollback_offer(self.ws, self.user, first)
        self.rollback_action.setEnabled(self.offer.offered)
        self.rollback_action.setToolTip(_capitalised(self.offer.why))
        if not self.use_tray:
            self.banner.setVisible(bool(unacked))
            if unacked and first is not None:
                more = f" (+{len(unacked) - 1} more)" if len(unacked) > 1 else ""
                stale = self.offer.stale
                why = stale.note if stale else (first.summary or first.condition)
                self.banner_text.setText(f"CRITICAL: {first.rule} — {why}{more}")
                self.banner_rollback_item.setVisible(self.offer.offered)
        self._fill_menus(opened)
        self._deliver()
        self.updated.emit(self.worst, self.count)

    def _fill_menus(self, opened: list[Alert]) -> None:
        self.recent_menu.clear()
        for event in engine.history(self.ws, engine.HistoryFilter(limit=8)):
            action = self.recent_menu.addAction(f"{event.severity}: {event.rule} {event.kind}")
            action.triggered.connect(
                lambda _c=False, r=event.rule: self.open_alerts(r, bring_up=self.use_tray)
            )
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())
        self.ack_menu.clear()
        for alert in (
            a for a in opened if a.state == "firing" and not (a.acked_by or a.inhibited_by)
        ):
            action = self.ack_menu.addAction(f"{alert.severity}: {alert.rule}")
            action.triggered.connect(lambda _c=False, a=alert: self.acknowledge(a))
        self.ack_menu.setEnabled(
            access.allowed(self.role, "alert.ack") and not self.ack_menu.isEmpty()
        )

    def _deliver(self) -> None:
        """Show the queued desktop notifications and beep for the sound channel."""
        pending = notify.pending_for_desktop(self.ws)
        if not pending:
            return
        shown = [n for n in pending if n.channel == "desktop"]
        if shown:
            worst_first = sorted(shown, key=lambda n: (n.severity != "critical", -n.id))
            self.last_message = short_message(worst_first[0].message)
            if self.tray is not None:
                worst = any(n.severity == "critical" for n in shown)
                kind = (
                    QSystemTrayIcon.MessageIcon.Critical
                    if worst
                    else (QSystemTrayIcon.MessageIcon.Warning)
                )
                self.tray.showMessage("Model Operations Console", self.last_message, kind, 15_000)
            else:
                self.window.statusBar().showMessage(self.last_message, 30_000)
        if any(n.channel == "sound" for n in pending):
            QApplication.beep()
        notify.mark_delivered(self.ws, [n.id for n in pending])

    # ------------------------------------------------------------------ actions
    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def open_alerts(self, rule: str | None = None, *, bring_up: bool = False) -> None:
        """Show the Alerts page (from the tray: ``bring_up`` raises the window too)."""
        if bring_up or not self.window.isVisible():
            self.show_window()
        self.window.show_page("alerts")
        if isinstance(rule, str):
            self.window.page("alerts").select(rule)

    def critical_alert(self) -> Alert | None:
        """The alert a rollback from the banner or the tray answers: the first
        unacknowledged critical one firing (else any critical one firing)."""
        loud = [a for a in self.firing if a.severity == "critical" and not a.inhibited_by]
        unacked = [a for a in loud if not a.acked_by]
        chosen = unacked or loud
        return chosen[0] if chosen else None

    def roll_back(self) -> None:
        """The rollback dialog, prefilled from the critical alert (banner, tray menu)."""
        if self.use_tray:
            self.show_window()
        self.window.roll_back(self.critical_alert())

    def notification_clicked(self) -> None:
        """A click on the desktop notification: the window, on that alert."""
        alert = self.critical_alert()
        self.open_alerts(alert.rule if alert else None, bring_up=True)

    def ack_first(self) -> None:
        unacked = [a for a in self.firing if not a.acked_by and not a.inhibited_by]
        if unacked:
            self.acknowledge(unacked[0])

    def acknowledge(self, alert: Alert) -> None:
        self.open_alerts(alert.rule)
        self.window.page("alerts").acknowledge_selected(alert)
        self.refresh()

    def stop(self) -> None:
        self.timer.stop()
        if self.evaluation is not None:
            self.evaluation.detach()
            self.evaluation = None
        if self.tray is not None:
            self.tray.hide()
