"""Where the GUI keeps per-user window state: QSettings under one organisation/app name.

Only presentation state lives here (geometry, last page, last folder); workspace
configuration is console.toml and secrets are in the OS keyring.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANISATION = "model-ops-console"
APPLICATION = "console"


def app_settings() -> QSettings:
    """The console's QSettings, in ``QSettings.defaultFormat()`` (tests redirect it to
    a temporary folder with ``setDefaultFormat(IniFormat)`` and ``setPath``)."""
    return QSettings(
        QSettings.defaultFormat(), QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )
