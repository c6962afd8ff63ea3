"""One alert in detail: what fired and why, its runbook, the plot of its metric, actions."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from superqt.utils import qthrottled

from console.core.alerts.evidence import StaleEvidence
from console.core.alerts.records import Alert
from console.core.alerts.rollback_offer import RollbackOffer
from console.gui import formatting as fmt
from console.gui.style import THEME, icon
from console.gui.widgets.alert_tables import SEVERITY_COLOURS, STATE_TEXT
from console.gui.widgets.daily_chart import DayAxisItem
from console.gui.widgets.plot_axes import cache_axes


class MetricPlot(pg.PlotWidget):
    """The metric's value at each evaluated check report, with the rule's threshold."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            background=THEME.surface,
            axisItems={"bottom": DayAxisItem()},
            enableMenu=False,
        )
        self.setMinimumHeight(170)
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.showGrid(x=False, y=True, alpha=0.18)
        cache_axes(plot)
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        for name in ("left", "bottom"):
            plot.getAxis(name).setPen(pg.mkPen(THEME.muted))
            plot.getAxis(name).setTextPen(pg.mkPen(THEME.text))
        self.curve = plot.plot(
            [], [], pen=pg.mkPen(THEME.accent, width=2), symbol="o", symbolSize=6,
            symbolBrush=THEME.accent, symbolPen=None,
        )  # fmt: skip
        self.limit = pg.InfiniteLine(
            angle=0, pen=pg.mkPen(THEME.danger, style=Qt.PenStyle.DashLine)
        )
        plot.addItem(self.limit)
        self.readout = pg.TextItem(color=THEME.text, anchor=(0, 1))
        plot.addItem(self.readout, ignoreBounds=True)
        self._x = np.zeros(0)
        self._y = np.zeros(0)
        self.scene().sigMouseMoved.connect(self._hover)

    def set_series(
        self, points: list[tuple[str, float | None, str]], threshold: float | None
    ) -> None:
        pairs = [(fmt.parse_iso(at), v) for at, v, _status in points if v is not None]
        self._x = np.array([t.timestamp() for t, _v in pairs if t is not None], dtype=float)
        self._y = np.array([v for t, v in pairs if t is not None], dtype=float)
        self.curve.setData(self._x, self._y)
        self.limit.setVisible(threshold is not None)
        if threshold is not None:
            self.limit.setValue(threshold)
        self.readout.setText("")
        self.getPlotItem().enableAutoRange()
        if len(self._x) == 1:  # one report so far: show the day around it, not a second
            self.setXRange(self._x[0] - 43_200, self._x[0] + 43_200, padding=0)

    @qthrottled(timeout=50)
    def _hover(self, pos: QPointF) -> None:
        if not len(self._x):
            return
        point = self.getPlotItem().vb.mapSceneToView(pos)
        i = int(np.argmin(np.abs(self._x - point.x())))
        when = datetime.fromtimestamp(self._x[i], UTC).strftime("%Y-%m-%d %H:%M")
        self.readout.setText(f"{when} UTC: {self._y[i]:.4g}")
        self.readout.setPos(self._x[i], self._y[i])


class AlertDetail(QFrame):
    """Shows one :class:`Alert`; its buttons emit what the operator wants to do."""

    acknowledge = Signal()
    silence = Signal()
    rollback = Signal()
    open_page = Signal(str)

    plot: MetricPlot

    def __init__(
        self,
        parent: QWidget | None = None,
        later: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        """``later`` makes the plot in a slice of work of its own (a page built ahead of
        its visit: :meth:`Page.build_later`); without it, at once."""
        super().__init__(parent)
        self.setProperty("role", "panel")
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setProperty("role", "muted")
        self.runbook = QLabel()
        self.runbook.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.runbook.setOpenExternalLinks(False)
        self.runbook.linkActivated.connect(self._link)
        self.ack_button = self._button(
            "Acknowledge…", "mdi6.check-circle-outline", self.acknowledge
        )
        self.silence_button = self._button("Silence…", "mdi6.bell-off-outline", self.silence)
        self.rollback_button = self._button("Roll back…", "mdi6.backup-restore", self.rollback)
        buttons = QHBoxLayout()
        for button in (self.ack_button, self.silence_button, self.rollback_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.runbook)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        plot_place = QVBoxLayout()
        layout.addLayout(plot_place, 1)
        layout.addLayout(buttons)
        self.alert: Alert | None = None
        self._show_nothing()  # the plot, new, shows no series either
        (later or (lambda part: part()))(lambda: self._add_plot(plot_place))

    def _show_nothing(self) -> None:
        self.alert = None
        for button in (self.ack_button, self.silence_button, self.rollback_button):
            button.setEnabled(False)
        self.heading.setText("No alert selected")
        self.facts.setText("Select an alert to see what fired, its runbook and its metric.")
        self.runbook.setText("")

    def _add_plot(self, place: QVBoxLayout) -> None:
        self.plot = MetricPlot()
        place.addWidget(self.plot)

    def _button(self, text: str, icon_name: str, signal: Signal) -> QPushButton:
        button = QPushButton(icon(icon_name), text)
        button.clicked.connect(signal.emit)
        return button

    def _link(self, link: str) -> None:
        if link.startswith("console:page/"):
            self.open_page.emit(link.removeprefix("console:page/").split("#")[0])
        elif link.startswith("console:runbook/"):
            self.open_page.emit("runbooks#" + link.removeprefix("console:runbook/"))
        else:
            QDesktopServices.openUrl(QUrl(link))

    def show_alert(
        self,
        alert: Alert | None,
        points: list[tuple[str, float | None, str]] | None = None,
        stale: StaleEvidence | None = None,
        offer: RollbackOffer | None = None,
    ) -> None:
        """Show ``alert``; ``offer`` (the core's answer for it) enables Roll back…."""
        if alert is None:
            self._show_nothing()
            self.plot.set_series([], None)
            return
        self.alert = alert
        for button in (self.ack_button, self.silence_button, self.rollback_button):
            button.setEnabled(True)
        colour = SEVERITY_COLOURS[alert.severity]
        self.heading.setText(
            f"<span style='color:{colour}'>{alert.severity.upper()}</span> · {alert.rule} · "
            f"{STATE_TEXT[alert.state]}"
        )
        lines = [
            f"{alert.summary or alert.condition} — fires when {alert.condition}"
            + (f"; value {fmt.metric(alert.value, 4)}" if alert.value is not None else "")
            + (f" over {alert.n:,} samples" if alert.n is not None else "")
            + (f" ({alert.window})" if alert.window else ""),
            alert.explanation,
            f"Since {fmt.timestamp(alert.fired_at or alert.since)} · episode {alert.episode}"
            + (f" · {alert.quiet_reason}" if alert.quiet_reason else "")
            + (f": {alert.ack_note}" if alert.ack_note else ""),
        ]
        text = "<br>".join(html.escape(line) for line in lines if line)
        if stale is not None:  # still true after a rollback? say what is known
            text += (
                f"<br><b>{html.escape(_sentence(stale.note))}</b>"
                f"<br>{html.escape(_sentence(stale.estimate))}"
            )
        self.facts.setText(text)
        self.runbook.setText(f"<a href='{alert.runbook}'>Runbook: {alert.metric}</a>")
        self.ack_button.setEnabled(
            alert.state in ("firing", "pending", "no_data") and not alert.acked_by
        )
        if offer is not None:  # as the banner and the tray menu decide
            self.rollback_button.setEnabled(offer.offered)
            self.rollback_button.setToolTip(_sentence(offer.why))
        self.plot.set_series(points or [], alert.threshold)


def _sentence(text: str) -> str:
    """``text`` with its first letter upper case (the rest as it is: "UTC" stays)."""
    return text[:1].upper() + text[1:]
