"""The main window's pages: every ``Page`` subclass in a module of this package.

:func:`page_entries` names them without importing their modules (a page's ``key``,
``title``, ``icon_name`` and ``order`` are read from its source), so the window can
list every page and import only the one it shows first; :meth:`PageEntry.load`
imports the rest when they are first shown.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

from console.gui.pages.base import Page

_FIELDS = ("key", "title", "icon_name", "order")


@dataclass(frozen=True)
class PageEntry:
    """A page as listed before its module is imported."""

    module: str
    class_name: str
    key: str
    title: str
    icon_name: str
    order: int = 100

    def load(self) -> type[Page]:
        cls = getattr(importlib.import_module(self.module), self.class_name)
        assert issubclass(cls, Page)
        return cls  # type: ignore[no-any-return]


def page_classes() -> list[type[Page]]:
    """The pages to show, in their ``order`` (every page module imported)."""
    return [entry.load() for entry in page_entries()]


def page_entries() -> list[PageEntry]:
    """The pages to show, in their ``order``, read from the modules' source (once a
    process: the Overview's tiles ask again when built)."""
    return list(_entries())


@functools.cache
def _entries() -> tuple[PageEntry, ...]:
    found: list[PageEntry] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        name = f"{__name__}.{info.name}"
        found += _read_entries(name, Path(__path__[0]) / f"{info.name}.py")
    return tuple(sorted(found, key=lambda e: (e.order, e.title)))


#: a class at the top level of a module, and where its body's first method starts
_CLASS = re.compile(r"^class \w+(\([^)]*\))?:", re.MULTILINE)
_BODY_ENDS = re.compile(r"^(    (def|async def|@)|\S)", re.MULTILINE)


def _class_heads(text: str) -> str:
    """Each top-level class of ``text`` up to its first method: its name, bases and
    plain attributes, a tenth of the source (parsing whole modules took 40 ms of the
    window's start-up)."""
    heads = []
    for match in _CLASS.finditer(text):
        end = _BODY_ENDS.search(text, match.end())
        heads.append(text[match.start() : end.start() if end else len(text)].rstrip())
        heads.append("        pass" if heads[-1].endswith(":") else "")
    return "\n".join(heads) + "\n"


def _read_entries(module: str, source: Path) -> list[PageEntry]:
    """Classes deriving from ``Page`` with literal class attributes; anything the source
    does not say plainly is learnt by importing the module."""
    try:
        tree = ast.parse(_class_heads(source.read_text(encoding="utf-8")))
    except (OSError, SyntaxError):
        return _imported_entries(module)
    entries = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
        if "Page" not in bases:
            if bases and not bases <= {"QWidget", "QObject", "QDialog", "object"}:
                return _imported_entries(module)  # maybe a page by way of another class
            continue
        values: dict[str, object] = {}
        for stmt in node.body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and stmt.targets[0].id in _FIELDS
            ):
                try:
                    values[stmt.targets[0].id] = ast.literal_eval(stmt.value)
                except ValueError:
                    return _imported_entries(module)
        if not {"key", "title", "icon_name"} <= values.keys():
            return _imported_entries(module)
        entries.append(PageEntry(module, node.name, **values))  # type: ignore[arg-type]
    return entries


def _imported_entries(module: str) -> list[PageEntry]:
    loaded = importlib.import_module(module)
    return [
        PageEntry(module, cls.__name__, cls.key, cls.title, cls.icon_name, cls.order)
        for _, cls in inspect.getmembers(loaded, inspect.isclass)
        if issubclass(cls, Page) and cls is not Page and cls.__module__ == module
    ]
