"""The scoring service's request log: one line per request, in ``logs/requests.log``.

Each line has the console log's layout (time, level, logger, thread, message) so the
Logs page and ``console logs`` read it like the others: method, path, status, latency,
body size and the model version that answered. Errors (4xx/5xx) are logged as WARNING.
The file rotates like the console log (``[logging] max_bytes`` and ``backup_count``).
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

FILE = "requests.log"
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"
_HANDLER = "console-request-log"

log = logging.getLogger("console.requests")
log.propagate = False  # requests go to their own file, not the console log


def path_of(ws: Workspace) -> Path:
    return ws.root / "logs" / FILE


def configure(ws: Workspace) -> Path:
    """Send request lines to the workspace's request log (idempotent)."""
    path = path_of(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    for handler in list(log.handlers):
        if handler.get_name() == _HANDLER:
            log.removeHandler(handler)
            handler.close()
    settings = ws.config.logging
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=settings.max_bytes, backupCount=settings.backup_count, encoding="utf-8"
    )
    handler.set_name(_HANDLER)
    handler.setFormatter(logging.Formatter(_FORMAT))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def record(
    method: str, path: str, status: int, *, latency_ms: float, model: str, body: str | None
) -> None:
    """Log one answered request."""
    level = logging.WARNING if status >= 400 else logging.INFO
    size = f" body={body}B" if body else ""
    log.log(level, "%s %s %d %.1fms model=%s%s", method, path, status, latency_ms, model, size)
