"""The alert lifecycle as a pure function: every state against every observation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.core.alerts.state import AlertState, Observation, advance
from console.core.base import clock
from console.core.base.alert_rules import AlertRule

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FLAP = 1800
HOLDS, CLEAR, NODATA = Observation("holds", 0.6), Observation("clear", 0.8), Observation("no_data")


def rule(for_seconds: int = 0) -> AlertRule:
    return AlertRule(
        name="f1_critical",
        metric="f1",
        comparison="<",
        threshold=0.7,
        severity="critical",
        for_seconds=for_seconds,
    )


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def kinds(alert: AlertState, obs: Observation, minutes: float, for_seconds: int = 0) -> list[str]:
    return [t.kind for t in advance(alert, obs, rule(for_seconds), at(minutes), FLAP)]


def fresh() -> AlertState:
    return AlertState("f1_critical", "f1", "critical", since=clock.iso(T0))


def test_inactive_to_firing_without_for() -> None:
    a = fresh()
    assert kinds(a, HOLDS, 0) == ["fired"]
    assert (a.state, a.episode, a.fired_at) == ("firing", 1, clock.iso(T0))
    assert kinds(a, HOLDS, 5) == []  # still firing: nothing new


def test_pending_until_for_elapses_then_firing() -> None:
    a = fresh()
    assert kinds(a, HOLDS, 0, 600) == ["pending"]
    assert kinds(a, HOLDS, 9.9, 600) == []
    assert a.state == "pending"
    assert kinds(a, HOLDS, 10, 600) == ["fired"]
    assert a.state == "firing"


def test_pending_falls_back_when_the_condition_clears() -> None:
    a = fresh()
    kinds(a, HOLDS, 0, 600)
    assert kinds(a, CLEAR, 5, 600) == ["pending_cleared"]
    assert a.state == "inactive"
    assert a.fired_at is None
    assert kinds(a, HOLDS, 6, 600) == ["pending"]  # the for-clock starts again
    assert kinds(a, HOLDS, 15, 600) == []
    assert kinds(a, HOLDS, 16, 600) == ["fired"]


def test_firing_resolves_and_a_late_return_is_a_new_episode() -> None:
    a = fresh()
    kinds(a, HOLDS, 0)
    assert kinds(a, CLEAR, 10) == ["resolved"]
    assert a.state == "resolved"
    assert kinds(a, CLEAR, 20) == []
    assert kinds(a, HOLDS, 10 + FLAP / 60 + 1) == ["fired"]
    assert a.episode == 2
    assert not a.flapping


def test_flapping_reopens_the_same_episode() -> None:
    a = fresh()
    kinds(a, HOLDS, 0)
    a.acked_by = "bob"
    kinds(a, CLEAR, 10)
    assert kinds(a, HOLDS, 20) == ["refired"]
    assert a.episode == 1
    assert a.flapping
    assert a.fired_at == clock.iso(T0)
    assert a.acked_by == "bob"  # same trouble, same acknowledgement


def test_no_data_is_its_own_state() -> None:
    a = fresh()
    assert kinds(a, NODATA, 0) == ["no_data"]
    assert a.state == "no_data"
    assert a.episode == 1
    assert kinds(a, NODATA, 5) == []
    assert kinds(a, CLEAR, 10) == ["data_back"]
    assert a.state == "inactive"
    kinds(a, NODATA, 11)
    assert kinds(a, HOLDS, 12) == ["fired"]


def test_firing_alert_that_loses_its_data_keeps_its_episode() -> None:
    a = fresh()
    kinds(a, HOLDS, 0)
    assert kinds(a, NODATA, 5) == ["no_data"]
    assert a.episode == 1
    assert kinds(a, HOLDS, 6) == ["data_back"]
    assert a.state == "firing"
    assert a.episode == 1
    kinds(a, NODATA, 7)
    assert kinds(a, CLEAR, 8) == ["resolved"]


@pytest.mark.parametrize("start", ["inactive", "pending", "firing", "resolved", "no_data"])
@pytest.mark.parametrize("obs", [HOLDS, CLEAR, NODATA])
def test_every_state_and_observation_lands_in_a_valid_state(start: str, obs: Observation) -> None:
    a = fresh()
    setup = {
        "pending": [(HOLDS, 0, 600)],
        "firing": [(HOLDS, 0, 0)],
        "resolved": [(HOLDS, 0, 0), (CLEAR, 1, 0)],
        "no_data": [(NODATA, 0, 0)],
    }.get(start, [])
    for o, minute, for_s in setup:
        kinds(a, o, minute, for_s)
    assert a.state == start
    done = advance(a, obs, rule(600), at(120), FLAP)
    expected = {
        ("inactive", "holds"): "pending",
        ("inactive", "clear"): "inactive",
        ("inactive", "no_data"): "no_data",
        ("pending", "holds"): "firing",  # 120 min > 10 min
        ("pending", "clear"): "inactive",
        ("pending", "no_data"): "no_data",
        ("firing", "holds"): "firing",
        ("firing", "clear"): "resolved",
        ("firing", "no_data"): "no_data",
        ("resolved", "holds"): "pending",  # resolved long ago: a new episode
        ("resolved", "clear"): "resolved",
        ("resolved", "no_data"): "no_data",
        ("no_data", "holds"): "pending",
        ("no_data", "clear"): "inactive",
        ("no_data", "no_data"): "no_data",
    }[(start, obs.outcome)]
    assert a.state == expected
    assert len(done) == (0 if expected == start else 1)
    if done:
        assert (done[0].from_state, done[0].to_state) == (start, expected)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.tuples(st.sampled_from("hcn"), st.integers(1, 90)), max_size=40))
def test_episodes_only_start_after_a_quiet_flap_window(steps: list[tuple[str, int]]) -> None:
    """Property: a new episode starts only after the alert was quiet for the flap window,
    the episode never decreases, and firing always has a fired_at."""
    a, minute = fresh(), 0.0
    last_resolved: float | None = None
    for code, gap in steps:
        minute += gap
        before = (a.episode, a.state)
        obs = {"h": HOLDS, "c": CLEAR, "n": NODATA}[code]
        advance(a, obs, rule(300), at(minute), FLAP)
        assert a.episode >= before[0]
        if a.episode > before[0] and before[0] > 0 and before[1] == "resolved":
            assert last_resolved is not None
            assert (minute - last_resolved) * 60 >= FLAP
        if a.state == "resolved" and before[1] != "resolved":
            last_resolved = minute
        if a.state == "firing":
            assert a.fired_at is not None
        assert a.state in ("inactive", "pending", "firing", "resolved", "no_data")
