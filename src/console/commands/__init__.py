"""The CLI's subcommands, one module per area of the console (``*_cmds.py``).

Each module has ``ORDER`` (its place in ``console --help``) and ``register(sub)``, which
adds its parsers to the ``console`` command and sets ``run=`` on each to a handler
``run(args, ws, user) -> exit code``. A parser that works without an open workspace
also sets ``needs_workspace=False``; its handler gets the workspace root instead.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def command_modules() -> list[ModuleType]:
    """Every ``*_cmds`` module of this package, in ``ORDER``."""
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name.endswith("_cmds")
    ]
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))
