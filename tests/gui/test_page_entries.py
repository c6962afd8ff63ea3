"""The window lists its pages from their modules' source, without importing them."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

from console.gui import pages

SOURCE = '''"""A page module."""
from console.gui.pages.base import Page


class Helper:
    x = 1

    def f(self) -> None:
        pass


class DemoPage(Page):
    """Its attributes, one of them over two lines."""

    key = "demo"
    title = (
        "A demo"
    )
    icon_name = "mdi6.star"
    order = 7

    @property
    def later(self) -> int:
        return 1


TOP = 3
'''


def test_entries_read_from_source_are_those_of_the_imported_classes(monkeypatch) -> None:
    for info in pkgutil.iter_modules(pages.__path__):
        if info.name == "base":
            continue
        module = f"{pages.__name__}.{info.name}"
        imported = pages._imported_entries(module)
        monkeypatch.setattr(pages, "_imported_entries", lambda m: pytest.fail(f"imported {m}"))
        read = pages._read_entries(module, Path(pages.__path__[0]) / f"{info.name}.py")
        monkeypatch.undo()
        assert read == imported, module


def test_only_the_class_heads_are_parsed(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "demo.py"
    path.write_text(SOURCE)
    monkeypatch.setattr(pages, "_imported_entries", lambda m: pytest.fail(f"imported {m}"))
    assert pages._read_entries("x.demo", path) == [
        pages.PageEntry("x.demo", "DemoPage", "demo", "A demo", "mdi6.star", 7)
    ]
    heads = pages._class_heads(SOURCE)
    assert "def f" not in heads
    assert "def later" not in heads
    assert "TOP" not in heads


def test_a_page_the_source_does_not_say_plainly_is_imported(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "demo.py"
    path.write_text(SOURCE.replace('icon_name = "mdi6.star"', "icon_name = ICONS[0]"))
    asked: list[str] = []
    monkeypatch.setattr(pages, "_imported_entries", lambda m: asked.append(m) or [])
    assert pages._read_entries("x.demo", path) == []
    assert asked == ["x.demo"]
