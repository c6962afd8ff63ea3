"""[alerts] of console.toml: defaults from the operations guide, overrides, bad input refused."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from console.core.base.alert_rules import (
    AlertRule,
    load_settings,
    parse_duration,
    parse_settings,
)
from console.core.base.config import Thresholds
from console.core.base.errors import ConfigError
from console.core.base.workspace import Workspace


def settings(table: dict[str, Any]):
    return parse_settings(table, Thresholds(), "console.toml")


def test_defaults_are_the_operations_guide() -> None:
    s = settings({})
    by = {r.name: r for r in s.rules}
    assert (by["f1_critical"].threshold, by["f1_critical"].severity) == (0.70, "critical")
    assert (by["f1_warning"].threshold, by["f1_warning"].severity) == (0.75, "warning")
    assert (by["fpr_critical"].comparison, by["fpr_critical"].threshold) == (">", 0.01)
    assert by["cpu_high"].threshold == 0.80
    assert by["data_drift"].severity == "warning"
    assert by["ingest_overdue"].severity == "critical"
    assert by["f1_critical"].min_samples == 200  # no F1 alert on five labels
    assert by["f1_critical"].runbook_link == "console:runbook/performance-degradation"
    assert by["jobs_failed"].runbook_link == "console:page/system#jobs_failed"
    assert s.escalation[0].channels == ("tray", "desktop", "sound")


def test_thresholds_section_feeds_the_default_rules() -> None:
    s = parse_settings({}, Thresholds(f1_critical=0.6, f1_warning=0.65), "console.toml")
    assert s.rule("f1_critical").threshold == 0.6  # type: ignore[union-attr]


def test_override_disable_and_add_rules() -> None:
    s = settings(
        {
            "reminder_every": "2h",
            "rules": {
                "f1_critical": {
                    "metric": "f1",
                    "comparison": "<",
                    "threshold": 0.65,
                    "severity": "critical",
                    "for": "30m",
                    "window": "1d",
                    "runbook": "https://wiki/runbooks/f1",
                },
                "cpu_high": {"enabled": False},
                "latency": {
                    "metric": "latency_p99",
                    "comparison": ">",
                    "threshold": 250,
                    "severity": "warning",
                },
            },
        }
    )
    assert s.reminder_every_seconds == 7200
    f1 = s.rule("f1_critical")
    assert f1 is not None
    assert (f1.threshold, f1.for_seconds, f1.runbook_link) == (
        0.65,
        1800,
        "https://wiki/runbooks/f1",
    )
    assert s.rule("cpu_high") is None
    assert s.rule("latency") is not None


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            {"rules": {"f2_low": {"metric": "f2", "comparison": "<", "threshold": 1,
                                  "severity": "warning"}}},
            "alerts.rules.f2_low.metric: metric 'f2' is not a known check",
        ),
        (
            {"rules": {"f1_x": {"metric": "f1", "comparison": "<", "threshold": "high",
                                "severity": "warning"}}},
            "alerts.rules.f1_x.threshold",
        ),
        (
            {"rules": {"f1_x": {"metric": "f1", "comparison": "<", "threshold": float("nan"),
                                "severity": "warning"}}},
            "alerts.rules.f1_x: threshold must be a finite number",
        ),
        (
            {"rules": {"f1_x": {"metric": "f1", "comparison": "<", "threshold": 0.7,
                                "severity": "warning", "for": "ten minutes"}}},
            "alerts.rules.f1_x.for: 'ten minutes' is not a duration",
        ),
        (
            {"rules": {"f1_x": {"metric": "f1", "comparison": "~", "threshold": 0.7,
                                "severity": "warning"}}},
            "alerts.rules.f1_x.comparison",
        ),
        (
            {"rules": {"f1_x": {"metric": "f1", "comparison": "<", "threshold": 0.7,
                                "severity": "warning", "treshold": 1}}},
            "alerts.rules.f1_x.treshold: unknown key",
        ),
        ({"smtp": {"host": "", "sender": "console@example.com"}}, "alerts.smtp.host"),
        ({"smtp": {"host": "relay", "port": 99999, "sender": "a@b"}}, "alerts.smtp.port"),
        ({"smtp": {"host": "relay", "sender": "not-an-address"}}, "alerts.smtp.sender"),
        (
            {"escalation": [{"after": "0m", "channels": ["email"], "contacts": ["a@b"]}]},
            "escalation step 1 sends e-mail: needs [alerts.smtp]",
        ),
        (
            {"escalation": [{"after": "0m", "channels": ["command"]}]},
            "escalation step 1 runs a command: needs [alerts.command]",
        ),
        ({"command": {"argv": ["/nonexistent/page-oncall"]}}, "is not executable"),
        ({"escalation": [{"after": "0m", "channels": ["pager"]}]}, "alerts.escalation"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_with_rule_and_reason(
    table: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ConfigError) as err:
        settings(table)
    assert expected in str(err.value)
    assert str(err.value).startswith("console.toml")
    assert "\n" not in str(err.value)


def test_durations() -> None:
    assert [parse_duration(t) for t in ("90s", "15m", "4h", "2d", 30)] == [
        90,
        900,
        14400,
        172800,
        30,
    ]
    for bad in ("", "5", "-1m", "1w", True):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)  # type: ignore[arg-type]


def test_rule_conditions() -> None:
    lt = AlertRule(name="a", metric="f1", comparison="<", threshold=0.7, severity="critical")
    assert lt.holds(0.69, "ok")
    assert not lt.holds(0.7, "ok")
    st = AlertRule(
        name="b",
        metric="data_drift",
        comparison="status",
        statuses=("warning",),
        severity="warning",
    )
    assert st.holds(0.0, "warning")
    assert not st.holds(1.0, "ok")
    assert st.condition() == "data_drift status warning"


def test_load_from_console_toml_and_refuse_a_broken_file(workspace: Workspace) -> None:
    path = workspace.root / "console.toml"
    original = path.read_text()
    edited = original.replace('flap_window = "30m"', 'flap_window = "10m"')
    path.write_text(edited + "\n[alerts.rules.f1_warning]\nenabled = false\n")
    with Workspace.open(workspace.root) as reopened:
        s = load_settings(reopened)
    assert s.flap_window_seconds == 600
    assert s.rule("f1_warning") is None
    path.write_text(original + '\n[alerts.rules.x]\nmetric = "f9"\n')
    before = workspace.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    with pytest.raises(ConfigError, match=r"alerts\.rules\.x"):
        Workspace.open(workspace.root)  # a broken rule is refused when the config loads
    # refused before anything was stored
    conn: sqlite3.Connection = workspace.conn
    assert conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == before
