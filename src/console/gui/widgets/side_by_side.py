"""Two panels side by side when there is room, else one above the other."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QAbstractScrollArea, QBoxLayout, QWidget

WIDE = QBoxLayout.Direction.LeftToRight
NARROW = QBoxLayout.Direction.TopToBottom


class SideBySide(QWidget):
    """``first`` left of ``second`` when the page's visible width reaches ``min_width``
    pixels, above it below that: on a narrow window the page scrolls down instead of
    squeezing both until they clip (or scrolling sideways)."""

    def __init__(
        self,
        first: QWidget,
        second: QWidget,
        *,
        stretch: tuple[int, int] = (1, 1),
        min_width: int = 900,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.min_width = min_width
        self.box = QBoxLayout(WIDE, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(12)
        self.box.addWidget(first, stretch[0])
        self.box.addWidget(second, stretch[1])
        self._area: QAbstractScrollArea | None = None

    def side_by_side(self) -> bool:
        return self.box.direction() == WIDE

    def available_width(self) -> int:
        """The width the page shows: its scroll area's viewport (this widget may be
        wider than that when its two panels' minimum widths add up to more)."""
        return self._area.viewport().width() if self._area is not None else self.width()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._area is None:
            parent = self.parentWidget()
            while parent is not None and not isinstance(parent, QAbstractScrollArea):
                parent = parent.parentWidget()
            if parent is not None:
                self._area = parent
                parent.viewport().installEventFilter(self)
        self._relayout()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._relayout()
        return False

    def _relayout(self) -> None:
        direction = WIDE if self.available_width() >= self.min_width else NARROW
        if self.box.direction() != direction:
            self.box.setDirection(direction)
