"""An Overview tile coloured by a check status that opens its page when clicked."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QWidget

from console.gui.widgets.stat_tile import StatTile

#: check status -> tile state
TILE_STATES = {"ok": "ok", "warning": "warning", "critical": "danger", "no_data": ""}


class StatusTile(StatTile):
    """A :class:`StatTile` with a ``clicked`` signal (and a pointing-hand cursor)."""

    clicked = Signal()

    def __init__(self, title: str, icon_name: str, page: str, parent: QWidget | None = None):
        super().__init__(title, icon_name, parent)
        self.page = page
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"Open the {page.replace('_', ' ')} page")

    def show_status(self, value: str, detail: str, status: str) -> None:
        self.show_value(value, detail, state=TILE_STATES.get(status, ""))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)
