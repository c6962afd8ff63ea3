"""At the window's minimum size nothing an operator reads is cut: tile values, page
titles and header buttons keep their full size (tiles reflow, the page scrolls)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from console.gui.main_window import MINIMUM_SIZE, MainWindow
from console.gui.widgets.stat_tile import ElidedLabel, StatTile, TileGrid
from tests.gui.conftest import settle

PAGES = ["overview", "performance", "quality", "alerts", "service", "data", "audit"]


@pytest.mark.parametrize("key", PAGES)
def test_nothing_is_clipped_at_the_minimum_size(qtbot: QtBot, window: MainWindow, key: str) -> None:
    window.resize(MINIMUM_SIZE)
    window.show_page(key)
    page = window.page(key)
    settle(qtbot, window)
    assert window.width() == MINIMUM_SIZE.width()
    assert page.heading.width() >= page.heading.sizeHint().width(), "page title cut"
    for button in page.findChildren(QToolButton):
        if button.isVisibleTo(page) and button.defaultAction() is not None:
            assert button.width() >= button.sizeHint().width(), (
                f"header button {button.text()!r} cut"
            )
    tiles = [t for t in page.findChildren(StatTile) if t.isVisibleTo(page)]

    def squeezed() -> list[str]:  # once the layout has caught up with the last refresh
        return [
            t.caption.text()
            for t in tiles
            if t.value.height() < t.value.sizeHint().height()
            or t.height() < t.minimumSizeHint().height()
        ]

    qtbot.waitUntil(lambda: not squeezed(), timeout=3000)
    for tile in tiles:
        value = tile.value
        assert isinstance(value, ElidedLabel)
        assert not value.is_elided(), f"{tile.caption.text()}: {value.text()!r} cut"


def test_tiles_reflow_into_fewer_columns_when_narrow(qtbot: QtBot, window: MainWindow) -> None:
    overview = window.overview_page
    window.show_page("overview")
    top = overview.top_tiles.findChild(TileGrid)
    assert top is not None
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: top.columns == 5)  # model, predictions, labels, ingest, span
    window.resize(MINIMUM_SIZE)
    qtbot.waitUntil(lambda: top.columns == 3)  # 3 + 2 rather than 5 cut in half
    assert overview.status.grid.columns == 3  # 9 status tiles: 3 × 3 at both sizes
