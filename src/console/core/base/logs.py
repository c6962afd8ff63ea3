"""Python logging for the console: level from console.toml, rotating file in the workspace."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from console.core.base.config import Logging

_HANDLER_NAME = "console-workspace-file"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"


def configure(settings: Logging, root: Path) -> Path:
    """Send the ``console`` loggers to the workspace's rotating log file.

    Idempotent: opening another workspace in the same process replaces the handler.
    Returns the log file's path.
    """
    path = Path(settings.file)
    if not path.is_absolute():
        path = root / path
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger("console")
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:
            logger.removeHandler(handler)
            handler.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=settings.max_bytes, backupCount=settings.backup_count, encoding="utf-8"
    )
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(settings.level)
    return path
