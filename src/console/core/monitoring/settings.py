"""Monitoring settings: the ``[monitoring]`` section of console.toml (typed in config.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from console.core.base.config import Monitoring

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

WINDOW_SECONDS: Final[dict[str, int]] = {"hour": 3600, "day": 86_400, "week": 7 * 86_400}

#: The settings type every monitoring function takes (one declaration: config.Monitoring).
MonitoringSettings = Monitoring
DEFAULTS: Final = Monitoring()


def settings(ws: Workspace) -> MonitoringSettings:
    """The workspace's monitoring settings."""
    return ws.config.monitoring
