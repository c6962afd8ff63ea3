"""One panel look: a framed box with a section heading and its widgets."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget


def panel(
    title: str,
    *widgets: QWidget,
    stretch: tuple[type, ...] = (),
    legend: QWidget | None = None,
) -> QFrame:
    """A framed panel headed ``title`` (none when empty) holding ``widgets``.

    Widgets of a type in ``stretch`` take the spare height (plots, tables); the others
    keep their natural height. With ``stretch`` empty, every non-label widget stretches.
    ``legend`` sits at the right of the heading, where it never covers the plot.
    """
    frame = QFrame()
    frame.setProperty("role", "panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 10)
    layout.setSpacing(8)
    if title or legend is not None:
        header = QHBoxLayout()
        heading = QLabel(title)
        heading.setProperty("role", "section")
        header.addWidget(heading, 1)
        if legend is not None:
            header.addWidget(legend)
        layout.addLayout(header)
    for widget in widgets:
        grows = isinstance(widget, stretch) if stretch else not isinstance(widget, QLabel)
        layout.addWidget(widget, 1 if grows else 0)
    return frame
