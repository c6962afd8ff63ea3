"""Schedules: cron parsing with file/line/key, due once after missed runs, claims, editing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.core.base.config import default_config_text, parse_config
from console.core.base.db import write_transaction
from console.core.base.errors import BadInput, ConfigError, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.maintenance import schedules

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # a Monday


def test_a_schedule_that_does_not_parse_names_file_line_and_key() -> None:
    text = default_config_text().replace('validation = "30 7 * * 1"', 'validation = "30 25 * * 1"')
    with pytest.raises(ConfigError) as err:
        parse_config(text, "console.toml")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("validation ="))
    assert f"console.toml:{line}: schedules.validation: not a cron expression" in str(err.value)


def test_an_empty_schedule_is_off_and_never_due(workspace: Workspace) -> None:
    workspace.config = workspace.config.model_copy(
        update={"schedules": workspace.config.schedules.model_copy(update={"drift": ""})}
    )
    items = {s.name: s for s in schedules.status(workspace, T0 + timedelta(days=60))}
    assert items["drift"].expression == ""
    assert items["drift"].next_run is None
    assert items["drift"].due is None


def test_a_new_schedule_counts_from_now_then_missed_runs_are_owed_once(
    workspace: Workspace,
) -> None:
    first = {s.name: s for s in schedules.status(workspace, T0)}
    assert all(s.due is None for s in first.values())  # nothing fires for the past
    assert first["daily_checks"].next_run == "2026-11-03T06:00:00.000+00:00"
    later = T0 + timedelta(days=10, hours=3)  # ten daily runs missed while switched off
    owed = {s.name: s for s in schedules.status(workspace, later)}
    assert owed["daily_checks"].due == "2026-11-12T06:00:00.000+00:00"  # the latest one only
    assert owed["validation"].due == "2026-11-09T07:30:00.000+00:00"
    assert schedules.trigger_for(owed["daily_checks"].due, later) == "catch-up"
    assert schedules.claim(workspace, "daily_checks", owed["daily_checks"].due)
    assert not schedules.claim(workspace, "daily_checks", owed["daily_checks"].due)  # taken
    again = {s.name: s for s in schedules.status(workspace, later)}
    assert again["daily_checks"].due is None


def test_without_catch_up_a_missed_run_is_skipped(workspace: Workspace) -> None:
    schedules.status(workspace, T0)
    workspace.config = workspace.config.model_copy(
        update={"schedules": workspace.config.schedules.model_copy(update={"catch_up": False})}
    )
    late = {s.name: s for s in schedules.status(workspace, T0 + timedelta(days=3))}
    assert late["daily_checks"].due is None
    on_time = T0 + timedelta(days=3, hours=-6, minutes=5)  # 06:05, five minutes after due
    assert {s.name: s for s in schedules.status(workspace, on_time)}["daily_checks"].due


def test_a_changed_expression_starts_counting_again(workspace: Workspace) -> None:
    schedules.status(workspace, T0 - timedelta(days=30))
    schedules.set_schedule(workspace, "alice", "daily_checks", "15 3 * * *")
    with write_transaction(workspace.conn) as conn:
        conn.execute("UPDATE schedule_state SET since = ? WHERE name = 'daily_checks'", (
            "2026-11-01T00:00:00.000+00:00",
        ))  # fmt: skip
    items = {s.name: s for s in schedules.status(workspace, T0)}
    assert items["daily_checks"].expression == "15 3 * * *"
    assert items["daily_checks"].due == "2026-11-02T03:15:00.000+00:00"


def test_an_admin_changes_a_schedule_in_console_toml(workspace: Workspace) -> None:
    item = schedules.set_schedule(workspace, "alice", "validation", "0 3 * * 2")
    assert item.expression == "0 3 * * 2"
    text = (workspace.root / "console.toml").read_text()
    assert 'validation = "0 3 * * 2"' in text
    assert "# weekly model validation: backtest" in text  # the comment is kept
    reopened = Workspace.open(workspace.root)
    assert reopened.config.schedules.validation == "0 3 * * 2"
    reopened.close()
    schedules.set_schedule(workspace, "alice", "drift", "")
    assert workspace.config.schedules.drift == ""


def test_a_bad_expression_or_an_operator_changes_nothing(workspace: Workspace) -> None:
    before = (workspace.root / "console.toml").read_text()
    with pytest.raises(BadInput, match=r"schedules\.drift: not a cron expression"):
        schedules.set_schedule(workspace, "alice", "drift", "every monday")
    workspace.set_role("alice", "bob", "operator")
    with pytest.raises(PermissionDenied):
        schedules.set_schedule(workspace, "bob", "drift", "0 1 * * *")
    assert (workspace.root / "console.toml").read_text() == before


def test_the_shipped_schedules_are_valid_cron_and_the_defaults() -> None:
    """They are read without croniter (its import cost every command 30 ms): croniter
    accepts each, and they are exactly the defaults a new workspace gets."""
    from croniter import croniter

    from console.core.base.maintenance_config import SHIPPED_SCHEDULES, Schedules

    assert all(croniter.is_valid(text) for text in SHIPPED_SCHEDULES)
    shipped = {v for v in Schedules().model_dump().values() if isinstance(v, str)}
    assert shipped == SHIPPED_SCHEDULES
