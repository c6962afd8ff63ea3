"""The service's limits and timings: ``[service]`` of console.toml, else these defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from console.core.errors import BadInput

if TYPE_CHECKING:
    from console.core.workspace import Workspace

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class ServiceSettings:
    """``max_batch`` records per request; ``max_body_bytes`` per request body;
    ``request_timeout_s`` to read and score one request; ``cache_size`` entries of the
    prediction cache (0 turns it off); the prediction log is flushed to the store every
    ``flush_seconds`` or ``flush_rows`` rows; production is polled every ``poll_seconds``.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_batch: int = 1000
    max_body_bytes: int = 5_000_000
    request_timeout_s: float = 10.0
    cache_size: int = 10_000
    flush_seconds: float = 30.0
    flush_rows: int = 20_000
    poll_seconds: float = 0.25

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise BadInput(f"service port {self.port} is outside 0-65535 (0 picks a free port)")
        positive = ("max_batch", "max_body_bytes", "request_timeout_s", "flush_seconds")
        for name in (*positive, "flush_rows", "poll_seconds"):
            if getattr(self, name) <= 0:
                raise BadInput(f"service.{name} must be greater than 0, got {getattr(self, name)}")
        if self.cache_size < 0:
            raise BadInput(f"service.cache_size must be 0 or more, got {self.cache_size}")

    @classmethod
    def of(cls, ws: Workspace, **overrides: Any) -> ServiceSettings:
        """The workspace's ``[service]`` section (when the config has one) plus overrides."""
        section = getattr(ws.config, "service", None)
        values: dict[str, Any] = {}
        if section is not None:
            for f in fields(cls):
                if hasattr(section, f.name):
                    values[f.name] = getattr(section, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)
