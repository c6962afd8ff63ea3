"""One place that reads the wall clock, so tests can replace it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds, the format every stored timestamp uses."""
    return (moment or now()).astimezone(UTC).isoformat(timespec="milliseconds")


_AGO = re.compile(r"^\s*-?(\d+(?:\.\d+)?)\s*(s|m|h|d|w)(?:\s+ago)?\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_moment(text: str, *, reference: datetime | None = None) -> datetime:
    """A moment typed by an operator: ``now``, ``2h`` / ``3d ago`` (before now or
    ``reference``), or ISO 8601 (a date, or a date and time; without an offset it is
    UTC). ValueError names it."""
    base = reference or now()
    raw = text.strip()
    if raw.lower() == "now":
        return base
    match = _AGO.match(raw.lower())
    if match:
        return base - timedelta(seconds=float(match.group(1)) * _SECONDS[match.group(2)])
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use ISO 8601 (2026-11-30 or 2026-11-30T14:00), "
            "'now', or an age like '2h' or '3d'"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
