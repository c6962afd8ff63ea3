"""Tables of the alert centre: open alerts (worst first, with age) and the event history."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from console.core.alerts.evidence import StaleEvidence
from console.core.alerts.records import Alert, AlertEvent
from console.core.base import clock
from console.gui import formatting as fmt
from console.gui.style import THEME, icon
from console.gui.widgets.tables import table_with_headers

SEVERITY_COLOURS = {"critical": THEME.danger, "warning": THEME.warning}
SEVERITY_TINTS = {"critical": THEME.danger_soft, "warning": THEME.warning_soft}
STATE_TEXT = {"firing": "Firing", "pending": "Pending", "no_data": "No data",
              "resolved": "Resolved", "inactive": "Inactive"}  # fmt: skip


def age(since: str | None, now: datetime | None = None) -> str:
    """``3 d 4 h``, ``2 h 5 min``, ``7 min``."""
    moment = fmt.parse_iso(since)
    if moment is None:
        return "–"
    seconds = max(0, int(((now or clock.now()) - moment).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


class AlertTable(QTableWidget):
    """Open alerts: severity, state, rule, value, condition, age, why it is quiet."""

    HEADERS = ("Severity", "State", "Rule", "Value", "Condition", "Age", "Notes")

    def __init__(self) -> None:
        super().__init__()
        table_with_headers(self, list(self.HEADERS))
        self.alerts: list[Alert] = []
        self.stale: dict[str, StaleEvidence] = {}

    def set_alerts(
        self,
        alerts: list[Alert],
        now: datetime | None = None,
        stale: dict[str, StaleEvidence] | None = None,
    ) -> None:
        """Show ``alerts``; ``stale`` (by rule) marks those whose evidence predates the
        model in production."""
        keep = self.current_alert()
        self.alerts = list(alerts)
        self.stale = dict(stale or {})
        self.setRowCount(len(alerts))
        for row, a in enumerate(alerts):
            quiet = a.quiet_reason or ("flapping" if a.flapping else "")
            if a.state == "no_data":
                quiet = quiet or a.explanation
            if a.rule in self.stale:
                quiet = "; ".join(filter(None, [self.stale[a.rule].note, quiet]))
            cells = [
                a.severity.capitalize(),
                STATE_TEXT[a.state],
                a.rule,
                fmt.metric(a.value, 3),
                a.condition,
                age(a.fired_at if a.state == "firing" else a.since, now),
                quiet,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                tip = a.explanation or text
                if a.rule in self.stale:
                    tip += f"\n{self.stale[a.rule].note}; {self.stale[a.rule].estimate}"
                item.setToolTip(tip)
                if column == 0:
                    name = "mdi6.alert-octagon" if a.severity == "critical" else "mdi6.alert"
                    item.setIcon(icon(name, SEVERITY_COLOURS[a.severity]))
                    item.setForeground(QBrush(QColor(SEVERITY_COLOURS[a.severity])))
                if a.state == "firing" and not a.quiet_reason:
                    item.setBackground(QBrush(QColor(SEVERITY_TINTS[a.severity])))
                elif a.state != "firing":
                    item.setForeground(QBrush(QColor(THEME.muted)))
                self.setItem(row, column, item)
        if keep is not None:
            self.select_rule(keep.rule)
        if self.currentRow() < 0 and alerts:
            self.selectRow(0)

    def current_alert(self) -> Alert | None:
        row = self.currentRow()
        return self.alerts[row] if 0 <= row < len(self.alerts) else None

    def select_rule(self, rule: str) -> None:
        for row, a in enumerate(self.alerts):
            if a.rule == rule:
                self.selectRow(row)
                return


def history_table() -> QTableWidget:
    headers = ["When (UTC)", "Severity", "Rule", "Event", "State", "Value", "User", "Detail"]
    return table_with_headers(QTableWidget(), headers)


def fill_history(table: QTableWidget, events: list[AlertEvent]) -> None:
    table.setRowCount(len(events))
    for row, e in enumerate(events):
        cells = [fmt.timestamp(e.at, seconds=True).removesuffix(" UTC"), e.severity, e.rule,
                 e.kind.replace("_", " "), f"{e.from_state} → {e.to_state}",
                 fmt.metric(e.value, 3), e.user, e.detail]  # fmt: skip
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 1:
                item.setForeground(QBrush(QColor(SEVERITY_COLOURS.get(e.severity, THEME.text))))
            if e.kind == "notify_failed":
                item.setBackground(QBrush(QColor(THEME.danger_soft)))
            table.setItem(row, column, item)
