"""Icons drawn from the Material Design Icons font that ships inside qtawesome.

qtawesome costs a tenth of a second or more to import (its qtpy layer wraps every Qt
module), on the path to the window's first paint; its font files do not. The console
needs one font and a few colours, so it loads that font with Qt and draws each glyph
the way qtawesome does (text 7/8 of the icon's height, centred). Should the font not be
found where qtawesome keeps it, :func:`glyph_icon` returns None and the caller asks
qtawesome.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)

PREFIX = "mdi6"
FONT_GLOB = "materialdesignicons6-webfont-*.ttf"


@functools.cache
def _font() -> tuple[str, dict[str, str]] | None:
    """(font family, glyph name -> character) of the MDI 6 font, once a process."""
    spec = importlib.util.find_spec("qtawesome")  # finds the package without importing it
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        fonts = sorted((Path(folder) / "fonts").glob(FONT_GLOB))
        if not fonts:
            continue
        ttf = fonts[-1]
        charmap = ttf.with_name(ttf.name.replace("-webfont-", "-webfont-charmap-")).with_suffix(
            ".json"
        )
        font_id = QFontDatabase.addApplicationFont(str(ttf))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if not families or not charmap.is_file():
            return None
        codes = json.loads(charmap.read_text(encoding="utf-8"))
        return families[0], {name: chr(int(code, 16)) for name, code in codes.items()}
    return None


class GlyphEngine(QIconEngine):
    """One glyph, in ``color`` normally and ``active`` when hovered or selected."""

    def __init__(self, family: str, char: str, color: str, active: str) -> None:
        super().__init__()
        self.family, self.char, self.color, self.active = family, char, color, active

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            colour = QGuiApplication.palette().color(
                QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text
            )
        elif mode in (QIcon.Mode.Active, QIcon.Mode.Selected):
            colour = QColor(self.active)
        else:
            colour = QColor(self.color)
        font = QFont(self.family)
        font.setPixelSize(max(1, round(0.875 * rect.height())))
        painter.save()
        painter.setPen(colour)
        painter.setFont(font)
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), self.char)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        image = QPixmap(size)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return image

    def clone(self) -> QIconEngine:
        return GlyphEngine(self.family, self.char, self.color, self.active)


def glyph_icon(name: str, color: str, active: str) -> QIcon | None:
    """``mdi6.<glyph>`` drawn from the font; None when the font or the glyph is not
    there (then qtawesome, which knows every prefix, is asked)."""
    prefix, _, glyph = name.partition(".")
    found = _font() if prefix == PREFIX else None
    if found is None or glyph not in found[1]:
        return None
    family, chars = found
    return QIcon(GlyphEngine(family, chars[glyph], color, active))
