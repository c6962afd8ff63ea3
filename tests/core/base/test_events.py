"""The core's plain event stream."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.core.base import events


@pytest.fixture(autouse=True)
def _no_listeners() -> Iterator[None]:
    events.clear()
    yield
    events.clear()


def test_listeners_get_their_events_and_wildcards_get_all() -> None:
    seen: list[str] = []
    events.subscribe("deployed", lambda e: seen.append(f"deployed:{e.details['version']}"))
    events.subscribe("*", lambda e: seen.append(f"*:{e.name}"))
    events.publish("deployed", "/ws", version="1.0.0")
    events.publish("ingested", "/ws")
    assert seen == ["deployed:1.0.0", "*:deployed", "*:ingested"]


def test_unsubscribe_stops_delivery() -> None:
    seen: list[events.Event] = []
    stop = events.subscribe("alerts_changed", seen.append)
    stop()
    events.publish("alerts_changed", "/ws")
    assert seen == []


def test_a_failing_listener_does_not_stop_the_others() -> None:
    seen: list[str] = []

    def broken(_: events.Event) -> None:
        raise RuntimeError("boom")

    events.subscribe("report_stored", broken)
    events.subscribe("report_stored", lambda e: seen.append(e.workspace))
    events.publish("report_stored", "/ws")
    assert seen == ["/ws"]


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown event"):
        events.publish("nothing", "/ws")
    with pytest.raises(ValueError, match="unknown event"):
        events.subscribe("nothing", lambda e: None)


def test_change_counter_moves_when_another_connection_commits(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    mine, other = sqlite3.connect(path), sqlite3.connect(path)
    other.execute("CREATE TABLE t (x)")
    other.commit()
    before = events.change_counter(mine)
    assert events.change_counter(mine) == before
    other.execute("INSERT INTO t VALUES (1)")
    other.commit()
    assert events.change_counter(mine) != before
