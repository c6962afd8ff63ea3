"""A tile of the Overview: a caption, one big value and a line or two of detail."""

from __future__ import annotations

from PySide6.QtCore import Qt
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


class StatTile(QFrame):
    """``tile.show_value("298,191", "line 1\nline 2", state="warning")``.

    The detail is at most two short lines (no wrapping, so every tile has the same
    height); the state colours the value.
    """

    def __init__(self, title: str, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "tile")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)

        caption_icon = QLabel()
        caption_icon.setPixmap(icon(icon_name).pixmap(16, 16))
        self.caption = QLabel(title)
        self.caption.setProperty("role", "tile-title")
        caption_row = QHBoxLayout()
        caption_row.setSpacing(6)
        caption_row.addWidget(caption_icon)
        caption_row.addWidget(self.caption, 1)

        self.value = QLabel("–")
        self.value.setProperty("role", "tile-value")
        self.detail = QLabel("")
        self.detail.setProperty("role", "tile-detail")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(4)
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


def tile_row(tiles: list[QFrame]) -> QGridLayout:
    """Tiles side by side, sharing the width equally."""
    row = QGridLayout()
    row.setSpacing(12)
    for column, tile in enumerate(tiles):
        row.addWidget(tile, 0, column)
        row.setColumnStretch(column, 1)
    return row
