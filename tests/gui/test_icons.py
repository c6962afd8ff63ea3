"""Icons drawn from the MDI font directly look exactly as qtawesome draws them."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QIcon
from pytestqt.qtbot import QtBot

from console.gui import icons
from console.gui.style import THEME, icon


def pixels(image_icon: QIcon, mode: QIcon.Mode) -> list[int]:
    image = image_icon.pixmap(32, 32, mode).toImage()
    return [image.pixel(x, y) for x in range(32) for y in range(32)]


@pytest.mark.parametrize("name", ["mdi6.refresh", "mdi6.backup-restore", "mdi6.bell-alert"])
@pytest.mark.parametrize("mode", [QIcon.Mode.Normal, QIcon.Mode.Active, QIcon.Mode.Disabled])
def test_same_pixels_as_qtawesome(qtbot: QtBot, name: str, mode: QIcon.Mode) -> None:
    import qtawesome

    drawn = icons.glyph_icon(name, THEME.muted, THEME.accent)
    assert drawn is not None
    theirs = qtawesome.icon(name, color=THEME.muted, color_active=THEME.accent)
    mine = pixels(drawn, mode)
    assert any(mine)  # something was drawn
    assert mine == pixels(theirs, mode)


def test_unknown_glyphs_and_prefixes_go_to_qtawesome(qtbot: QtBot) -> None:
    assert icons.glyph_icon("mdi6.no-such-glyph", THEME.muted, THEME.accent) is None
    assert icons.glyph_icon("fa5s.check", THEME.muted, THEME.accent) is None
    assert not icon("fa5s.check").isNull()  # qtawesome draws it
