"""Where workspaces live by default: a light module, so that ``console --help`` can name
the default folder without loading the workspace machinery."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "model-ops-console"


def default_root() -> Path:
    """``--workspace`` > ``CONSOLE_WORKSPACE`` > the per-user data folder."""
    env = os.environ.get("CONSOLE_WORKSPACE")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "workspace"


def demo_root() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "demo"
