"""One legend look: coloured squares and names in a label, for a panel's header.

A legend in the header never covers a bar or a line of the plot.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

_SWATCH = '<span style="color:{};">&#9632;</span>&nbsp;{}'


def legend_label(entries: list[tuple[str, str]]) -> QLabel:
    """A label showing ``(colour, name)`` pairs side by side."""
    label = QLabel("&nbsp;&nbsp;&nbsp;".join(_SWATCH.format(c, n) for c, n in entries))
    label.setTextFormat(Qt.TextFormat.RichText)
    return label
