"""How numbers and timestamps read on screen (presentation only, no Qt)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def parse_iso(text: str | None) -> datetime | None:
    """An ISO-8601 timestamp from the database as an aware UTC datetime (None if empty)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def timestamp(text: str | None, *, seconds: bool = False) -> str:
    """``2026-11-30 15:21 UTC``; the raw text if it is not a timestamp, '–' if empty."""
    moment = parse_iso(text)
    if moment is None:
        return text or "–"
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + " UTC"


def day(text: str | None) -> str:
    moment = parse_iso(text)
    return moment.date().isoformat() if moment else "–"


def count(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def percent(fraction: float | None, digits: int = 1) -> str:
    return "–" if fraction is None else f"{fraction * 100:.{digits}f} %"


def metric(value: object, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "–"


def span_days(first: str | None, last: str | None) -> int | None:
    """Calendar days from the first to the last timestamp, both included."""
    a, b = parse_iso(first), parse_iso(last)
    if a is None or b is None:
        return None
    return (b.date() - a.date()).days + 1


def day_start_seconds(iso_day: str) -> float:
    """Seconds since the epoch of a ``YYYY-MM-DD`` day's midnight, UTC."""
    d = date.fromisoformat(iso_day)
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()
