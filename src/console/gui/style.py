"""The look of the console: one theme, one style-sheet template, icons from qtawesome.

Colours are declared once in :class:`Theme`; the style sheet is a template filled with
them, and widgets that paint themselves (plots, tinted table rows) read the same theme.
Icons come from qtawesome's bundled fonts, so nothing is fetched at run time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from string import Template

from PySide6.QtGui import QColor, QFont, QIcon
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class Theme:
    window: str = "#f4f5f7"
    surface: str = "#ffffff"
    sidebar: str = "#eceef2"
    row_alternate: str = "#f8f9fb"
    border: str = "#d8dce3"
    text: str = "#1f2430"
    muted: str = "#5d6677"
    accent: str = "#2f5fb3"
    accent_soft: str = "#dde7f7"
    ok: str = "#2e7d4f"
    warning: str = "#b25e09"
    warning_soft: str = "#fcefdc"
    danger: str = "#b3261e"
    danger_soft: str = "#fbe4e2"
    predictions: str = "#2f5fb3"
    labels: str = "#e08a2c"
    font_pt: int = 10

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))


THEME = Theme()

STYLE_SHEET = Template(
    """
QMainWindow, QDialog { background: $window; }
QWidget { color: $text; }
QListWidget#navigation {
    background: $sidebar; border: none; border-right: 1px solid $border;
    padding: 10px 6px; outline: 0;
}
QListWidget#navigation::item { padding: 0 8px; border-radius: 4px; }
QListWidget#navigation::item:hover { background: $border; }
QListWidget#navigation::item:selected { background: $accent_soft; color: $accent; }
QLabel[role="page-title"] { font-size: 15pt; font-weight: 600; }
QLabel[role="muted"] { color: $muted; }
QLabel[role="section"] { font-weight: 600; color: $muted; }
QFrame[role="tile"], QFrame[role="panel"] {
    background: $surface; border: 1px solid $border; border-radius: 6px;
}
QFrame[role="tile"] QLabel, QFrame[role="panel"] QLabel { background: transparent; }
QLabel[role="tile-title"] { color: $muted; font-size: 9pt; }
QLabel[role="tile-value"] { font-size: 17pt; font-weight: 600; }
QLabel[role="tile-value"][state="warning"] { color: $warning; }
QLabel[role="tile-value"][state="danger"] { color: $danger; }
QLabel[role="tile-value"][state="ok"] { color: $ok; }
QLabel[role="tile-detail"] { color: $muted; font-size: 9pt; }
QTableView {
    background: $surface; alternate-background-color: $row_alternate;
    border: 1px solid $border; gridline-color: $border;
    selection-background-color: $accent_soft; selection-color: $text;
}
QHeaderView::section {
    background: $window; border: none; border-bottom: 1px solid $border;
    border-right: 1px solid $border; padding: 4px 6px; font-weight: 600;
}
QPlainTextEdit, QListWidget#problems { background: $surface; border: 1px solid $border; }
QPushButton, QToolButton[role="button"] {
    background: $surface; border: 1px solid $border; border-radius: 4px; padding: 5px 12px;
}
QPushButton:hover, QToolButton[role="button"]:hover { border-color: $accent; }
QPushButton:disabled, QToolButton[role="button"]:disabled { color: $muted; background: $window; }
QPushButton:default { border-color: $accent; }
QProgressBar {
    border: 1px solid $border; border-radius: 4px; background: $surface;
    text-align: center; min-height: 18px;
}
QProgressBar::chunk { background: $accent; border-radius: 3px; }
QStatusBar { background: $sidebar; border-top: 1px solid $border; }
QStatusBar QLabel { color: $muted; padding: 0 8px; }
"""
)


def style_sheet(theme: Theme = THEME) -> str:
    return STYLE_SHEET.substitute(asdict(theme))


def apply_style(app: QApplication, theme: Theme = THEME) -> None:
    """Give the application the console's font and style sheet."""
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSize(theme.font_pt)
    app.setFont(font)
    app.setStyleSheet(style_sheet(theme))


def icon(name: str, color: str | None = None) -> QIcon:
    """An icon from qtawesome's bundled fonts, e.g. ``icon("mdi6.refresh")``: drawn from
    the font directly (see :mod:`console.gui.icons`), through qtawesome otherwise."""
    from console.gui.icons import glyph_icon

    drawn = glyph_icon(name, color or THEME.muted, THEME.accent)
    if drawn is not None:
        return drawn
    import qtawesome

    return qtawesome.icon(name, color=color or THEME.muted, color_active=THEME.accent)
