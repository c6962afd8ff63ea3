"""The service's limits and timings: ``[service]`` of console.toml plus command-line
overrides (the defaults are declared once, in :class:`console.core.base.config.Service`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from console.core.base.config import Service
from console.core.base.errors import BadInput

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

_DEFAULTS = Service()
DEFAULT_HOST = _DEFAULTS.host
DEFAULT_PORT = _DEFAULTS.port


@dataclass(frozen=True)
class ServiceSettings:
    """``max_batch`` records per request; ``max_body_bytes`` per request body;
    ``request_timeout_s`` to read and score one request; ``cache_size`` entries of the
    prediction cache (0 turns it off); the prediction log is flushed to the store every
    ``flush_seconds`` or ``flush_rows`` rows; production is polled every ``poll_seconds``.
    ``open_on_loopback`` lets clients on this machine score without the bearer token.
    ``load_in_helper`` loads model versions in a helper process (see
    :mod:`console.core.serving.model_loader`).
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_batch: int = _DEFAULTS.max_batch
    max_body_bytes: int = _DEFAULTS.max_body_bytes
    request_timeout_s: float = _DEFAULTS.request_timeout_s
    cache_size: int = _DEFAULTS.cache_size
    flush_seconds: float = _DEFAULTS.flush_seconds
    flush_rows: int = _DEFAULTS.flush_rows
    poll_seconds: float = _DEFAULTS.poll_seconds
    open_on_loopback: bool = _DEFAULTS.open_on_loopback
    load_in_helper: bool = _DEFAULTS.load_in_helper

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
        """The workspace's ``[service]`` section plus overrides (validated again here:
        an override comes from the command line, not from the checked config)."""
        values: dict[str, Any] = ws.config.service.model_dump()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**{f.name: values[f.name] for f in fields(cls)})
