"""A tile of the Overview: a caption, one big value and a line or two of detail.

Tiles never clip: each line is elided ("…") to the tile's width with the whole text in
the tooltip, a tile is never squeezed below its own height, and a :class:`TileGrid`
reflows its tiles into fewer columns when the window is narrow.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from console.gui.style import icon

STATES = ("", "ok", "warning", "danger")
#: the narrowest a tile gets before its grid drops a column
MIN_TILE_WIDTH = 140


class ElidedLabel(QLabel):
    """A label whose lines are elided to its width; the full text is its tooltip when
    anything was cut. ``text()`` is what was set, ``shown_text()`` what is painted."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.min_lines = 1  # the height kept however few lines are shown
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(40)
        self.setText(text)

    def full_text(self) -> str:
        return self._full

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def is_elided(self) -> bool:
        return self.shown_text() != self._full

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        lines = self._full.split("\n") if self._full else [""]
        width = max(metrics.horizontalAdvance(line) for line in lines)
        margins = self.contentsMargins()
        return QSize(
            width + margins.left() + margins.right(),
            metrics.lineSpacing() * max(len(lines), self.min_lines) + metrics.descent()
            + margins.top()
            + margins.bottom(),
        )  # fmt: skip

    def minimumSizeHint(self) -> QSize:
        return QSize(self.minimumWidth(), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()
            self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        width = max(self.contentsRect().width(), 1)
        lines = [
            metrics.elidedText(line, Qt.TextElideMode.ElideRight, width)
            for line in self._full.split("\n")
        ]
        shown = "\n".join(lines)
        if shown != self.shown_text():
            QLabel.setText(self, shown)
        self.setToolTip(self._full if shown != self._full else "")


class StatTile(QFrame):
    """``tile.show_value("298,191", "line 1\nline 2", state="warning")``.

    The detail is at most two short lines, and takes the room of two however many it
    has (no wrapping: every tile has the same height, which stays the same when the
    values come); the state colours the value.
    """

    def __init__(self, title: str, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "tile")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

        caption_icon = QLabel()
        caption_icon.setPixmap(icon(icon_name).pixmap(16, 16))
        self.caption = ElidedLabel(title)  # never sets the tile's minimum width
        self.caption.setProperty("role", "tile-title")
        caption_row = QHBoxLayout()
        caption_row.setSpacing(6)
        caption_row.addWidget(caption_icon)
        caption_row.addWidget(self.caption, 1)

        self.value = ElidedLabel("–")
        self.value.setProperty("role", "tile-value")
        self.detail = ElidedLabel("")
        self.detail.min_lines = 2
        self.detail.setProperty("role", "tile-detail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addLayout(caption_row)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)

    @property
    def state(self) -> str:
        return str(self.value.property("state") or "")

    def show_value(self, value: str, detail: str = "", *, state: str = "") -> None:
        if state not in STATES:
            raise ValueError(f"unknown tile state {state!r}")
        self.value.setText(value)
        self.detail.setText(detail)
        if self.state != state:
            self.value.setProperty("state", state)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)


class TileGrid(QObject):
    """Lays ``tiles`` out on ``host`` in up to ``columns`` columns sharing the width
    equally, and in fewer when the host is too narrow for :data:`MIN_TILE_WIDTH` each."""

    def __init__(self, tiles: Sequence[QFrame], host: QWidget, *, columns: int) -> None:
        super().__init__(host)
        self.tiles = list(tiles)
        self.host = host
        self.most = max(1, columns)
        self.columns = 0
        self.layout = QGridLayout(host)
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.layout.setSpacing(12)
        host.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.reflow(self.most)
        host.installEventFilter(self)

    def columns_for(self, width: int) -> int:
        spacing = self.layout.horizontalSpacing()
        fit = max(1, min(self.most, (width + spacing) // (MIN_TILE_WIDTH + spacing)))
        rows = -(-len(self.tiles) // fit)
        return -(-len(self.tiles) // rows)  # as few rows, as evenly filled as fit allows

    def reflow(self, columns: int) -> None:
        if columns == self.columns:
            return
        for tile in self.tiles:
            self.layout.removeWidget(tile)
        for column in range(max(self.columns, self.most)):
            self.layout.setColumnStretch(column, 0)
        self.columns = columns
        for n, tile in enumerate(self.tiles):
            self.layout.addWidget(tile, n // columns, n % columns)
        for column in range(columns):
            self.layout.setColumnStretch(column, 1)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.host and event.type() == QEvent.Type.Resize:
            self.reflow(self.columns_for(self.host.width()))
        return False


def tile_row(tiles: Sequence[QFrame], *, columns: int | None = None) -> QWidget:
    """Tiles side by side sharing the width, wrapping onto more rows when narrow."""
    host = QWidget()
    TileGrid(tiles, host, columns=columns or len(tiles))
    return host
