"""The main window's pages: every ``Page`` subclass in a module of this package."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from console.gui.pages.base import Page


def page_classes() -> list[type[Page]]:
    """The pages to show, in their ``order``."""
    found: list[type[Page]] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Page) and cls is not Page and cls.__module__ == module.__name__
        ]
    return sorted(found, key=lambda cls: (cls.order, cls.title))
