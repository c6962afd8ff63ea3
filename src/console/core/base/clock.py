"""One place that reads the wall clock, so tests can replace it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds, the format every stored timestamp uses."""
    return (moment or now()).astimezone(UTC).isoformat(timespec="milliseconds")
