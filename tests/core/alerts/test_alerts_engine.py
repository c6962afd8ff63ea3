"""The alert engine on a real workspace with a fake clock: notify once, escalate on the
minute, inhibit, silence, acknowledge, survive a restart, report failed deliveries."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.core.alerts import engine, notify, silences
from console.core.base import clock
from console.core.base.alert_rules import AlertSettings, parse_settings
from console.core.base.config import Thresholds
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.monitoring.checks import Check, CheckReport

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def report(
    minutes: float = 0, *, f1: float = 0.8, fpr: float = 0.002, n: int = 2000
) -> CheckReport:
    def check(name: str, value: float, bad: bool) -> Check:
        return Check(name, value, None, "critical" if bad else "ok", f"{name} last day", n, "1d")

    return CheckReport(
        1, clock.iso(at(minutes)), [check("f1", f1, f1 < 0.7), check("fpr", fpr, fpr > 0.01)]
    )


def make_settings(**table: Any) -> AlertSettings:
    return parse_settings(table, Thresholds(), "console.toml")


def only(*names: str) -> dict[str, Any]:
    """Keep the default rules named; disable the others."""
    every = [r.name for r in make_settings().rules]
    return {n: {"enabled": False} for n in every if n not in names}


class FakeSMTP:
    sent: list[Any] = []  # noqa: RUF012 - shared record of the test
    logins: list[tuple[str, str]] = []  # noqa: RUF012

    def __init__(self, host: str, port: int, timeout: float) -> None:
        assert (host, port) == ("127.0.0.1", 2525)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def starttls(self) -> None:
        pass

    def login(self, user: str, password: str) -> None:
        self.logins.append((user, password))

    def send_message(self, msg: Any) -> None:
        self.sent.append(msg)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeSMTP]]:
    FakeSMTP.sent, FakeSMTP.logins = [], []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(notify, "smtp_password", lambda ws: "s3cret")
    return FakeSMTP


ESCALATING = {
    "rules": only("f1_critical", "f1_warning", "fpr_critical"),
    "smtp": {"host": "127.0.0.1", "port": 2525, "sender": "console@example.com",
             "username": "console"},
    "command": {"argv": ["true"]},
    "escalation": [
        {"after": "0m", "channels": ["tray", "desktop"]},
        {"after": "15m", "channels": ["command"]},
        {"after": "60m", "channels": ["email"], "contacts": ["lead@example.com"]},
    ],
}  # fmt: skip


def notes(ws: Workspace, **where: Any) -> list[notify.Notification]:
    return [
        n
        for n in notify.notifications(ws, 10_000)
        if all(getattr(n, k) == v for k, v in where.items())
    ]


def audit_count(ws: Workspace) -> int:
    return int(ws.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])


def test_a_critical_notifies_once_however_often_it_is_evaluated(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical"))
    events = engine.evaluate(workspace, "alice", report(f1=0.6), now=at(0), settings=s)
    assert [(e.rule, e.kind) for e in events] == [("f1_critical", "fired")]
    audits = audit_count(workspace)
    for minute in range(1, 30):
        assert engine.evaluate(workspace, "alice", report(f1=0.6), now=at(minute), settings=s) == []
    assert audit_count(workspace) == audits  # evaluations that change nothing write nothing
    fired = notes(workspace, rule="f1_critical", kind="fired")
    assert sorted(n.channel for n in fired) == ["desktop", "sound", "tray"]
    [alert] = engine.open_alerts(workspace, now=at(30))
    assert (alert.rule, alert.state, alert.value, alert.n) == ("f1_critical", "firing", 0.6, 2000)


def test_too_few_labels_and_a_stale_report_are_no_data(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical"))
    engine.evaluate(workspace, "alice", report(f1=0.1, n=5), now=at(0), settings=s)
    [alert] = engine.all_alerts(workspace, now=at(0), settings=s)
    assert alert.state == "no_data"
    assert "fewer than the 200" in alert.explanation
    assert notes(workspace, kind="no_data", channel="tray")  # a blind critical is a finding
    assert not notes(workspace, kind="fired")
    engine.evaluate(workspace, "alice", report(f1=0.8), now=at(1), settings=s)
    engine.evaluate(workspace, "alice", report(f1=0.8), now=at(37 * 60), settings=s)
    [alert] = engine.all_alerts(workspace, now=at(37 * 60), settings=s)
    assert alert.state == "no_data"
    assert "h old" in alert.explanation


def test_escalation_fires_at_the_right_minute(workspace: Workspace, smtp: type[FakeSMTP]) -> None:
    s = make_settings(**ESCALATING)
    minutes: dict[int, list[str]] = {}
    for minute in range(71):
        events = engine.evaluate(workspace, "alice", report(f1=0.6), now=at(minute), settings=s)
        if events:
            minutes[minute] = [f"{e.rule}:{e.kind}" for e in events]
    assert minutes == {
        0: ["f1_critical:fired", "f1_warning:fired"],
        15: ["f1_critical:escalated"],
        60: ["f1_critical:escalated"],
    }
    assert [n.status for n in notes(workspace, channel="command")] == ["sent"]
    [mail] = smtp.sent
    assert mail["To"] == "lead@example.com"
    assert "ESCALATED [CRITICAL] f1_critical" in str(mail)
    assert smtp.logins == [("console", "s3cret")]
    # the warning is inhibited by the critical on the same metric and says so
    warning = next(a for a in engine.open_alerts(workspace, now=at(70)) if a.severity == "warning")
    assert warning.quiet_reason == "inhibited by the critical alert f1_critical"
    assert not notes(workspace, rule="f1_warning")


def test_acknowledging_stops_escalation_and_reminders(workspace: Workspace) -> None:
    s = make_settings(**ESCALATING | {"reminder_every": "2h"})
    engine.evaluate(workspace, "alice", report(f1=0.6), now=at(0), settings=s)
    alert = engine.acknowledge(workspace, "alice", "f1_critical", "looking at it", now=at(5))
    assert (alert.acked_by, alert.ack_note) == ("alice", "looking at it")
    for minute in range(6, 300, 7):
        engine.evaluate(workspace, "alice", report(f1=0.6), now=at(minute), settings=s)
    assert {n.kind for n in notes(workspace, rule="f1_critical")} == {"fired"}
    kinds = [e.kind for e in engine.history(workspace, engine.HistoryFilter(rule="f1_critical"))]
    assert kinds == ["acknowledged", "fired"]


def test_reminders_at_the_configured_interval(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical"), reminder_every="1h")
    for minute in range(0, 181, 10):
        engine.evaluate(workspace, "alice", report(f1=0.6), now=at(minute), settings=s)
    reminders = sorted({n.created_at for n in notes(workspace, kind="reminder")})
    assert reminders == [clock.iso(at(60)), clock.iso(at(120)), clock.iso(at(180))]


def test_warning_fires_once_the_critical_on_its_metric_resolves(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical", "f1_warning"))
    engine.evaluate(workspace, "alice", report(0, f1=0.6), now=at(0), settings=s)
    assert not notes(workspace, rule="f1_warning")
    events = engine.evaluate(workspace, "alice", report(60, f1=0.72), now=at(60), settings=s)
    assert [(e.rule, e.kind) for e in events] == [("f1_critical", "resolved")]
    assert notes(workspace, rule="f1_warning", kind="fired")  # no longer inhibited


def test_silence_mutes_until_it_expires_and_the_alert_stays_visible(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical"))
    made = silences.silence(
        workspace, "alice", {"rule": "f1_*"}, at(30), "retraining in progress", now=at(0)
    )
    engine.evaluate(workspace, "alice", report(f1=0.6), now=at(1), settings=s)
    [alert] = engine.open_alerts(workspace, now=at(1))
    assert alert.state == "firing"
    assert alert.silenced_by == made.id
    assert not notes(workspace, rule="f1_critical")
    engine.evaluate(workspace, "alice", report(f1=0.6), now=at(31), settings=s)
    assert len(notes(workspace, rule="f1_critical", kind="fired")) == 3
    assert silences.list_silences(workspace, now=at(31)) == []
    assert [x.id for x in silences.list_silences(workspace, now=at(29))] == [made.id]


def test_unsilence_releases_the_held_notification(workspace: Workspace) -> None:
    s = make_settings(rules=only("fpr_critical"))
    made = silences.silence(workspace, "alice", {"metric": "fpr"}, at(600), "noisy", now=at(0))
    engine.evaluate(workspace, "alice", report(fpr=0.05), now=at(1), settings=s)
    assert not notes(workspace)
    silences.unsilence(workspace, "alice", made.id, now=at(2))
    engine.evaluate(workspace, "alice", report(fpr=0.05), now=at(3), settings=s)
    assert notes(workspace, rule="fpr_critical", kind="fired")
    with pytest.raises(BadInput, match="already ended"):
        silences.unsilence(workspace, "alice", made.id, now=at(4))


@pytest.mark.parametrize(
    ("matcher", "until", "reason", "message"),
    [
        ({"rule": "f1_*"}, -5, "x", "must be a UTC time in the future"),
        ({"rule": "f1_*"}, 30, "  ", "reason: required"),
        ({"colour": "red"}, 30, "x", "keys must be rule, metric, severity"),
        ({}, 30, "x", "keys must be"),
    ],
)
def test_bad_silences_are_refused_and_change_nothing(
    workspace: Workspace, matcher: dict[str, str], until: int, reason: str, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        silences.silence(workspace, "alice", matcher, at(until), reason, now=at(0))
    assert workspace.conn.execute("SELECT COUNT(*) FROM alert_silences").fetchone()[0] == 0
    last = workspace.conn.execute("SELECT outcome FROM audit ORDER BY seq DESC").fetchone()[0]
    assert last == "refused"


def test_acknowledge_refuses_bad_input_and_viewers(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical"))
    engine.evaluate(workspace, "alice", report(f1=0.8), now=at(0), settings=s)
    with pytest.raises(BadInput, match="no such alert"):
        engine.acknowledge(workspace, "alice", "f9", now=at(1))
    with pytest.raises(BadInput, match="is inactive"):
        engine.acknowledge(workspace, "alice", "f1_critical", now=at(1))
    engine.evaluate(workspace, "alice", report(f1=0.6), now=at(2), settings=s)
    with pytest.raises(BadInput, match="at most 500"):
        engine.acknowledge(workspace, "alice", "f1_critical", "x" * 501, now=at(3))
    workspace.set_role("alice", "victor", "viewer")
    with pytest.raises(PermissionDenied):
        engine.acknowledge(workspace, "victor", "f1_critical", now=at(3))
    with pytest.raises(PermissionDenied):
        engine.evaluate(workspace, "victor", report(f1=0.6), now=at(3), settings=s)
    [alert] = engine.open_alerts(workspace, now=at(4))
    assert alert.acked_by is None


def test_no_alert_lost_across_a_restart(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical"), reminder_every="1h")
    engine.evaluate(workspace, "alice", report(f1=0.6), now=at(0), settings=s)
    root = workspace.root
    workspace.close()
    with Workspace.open(root) as again:
        [alert] = engine.open_alerts(again, now=at(1))
        assert alert.state == "firing"
        assert alert.fired_at == clock.iso(at(0))
        assert engine.evaluate(again, "alice", report(f1=0.6), now=at(30), settings=s) == []
        events = engine.evaluate(again, "alice", report(f1=0.6), now=at(60), settings=s)
        assert [e.kind for e in events] == ["reminder"]
        assert len(notes(again, kind="fired")) == 3


def test_flapping_does_not_spam(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical"))
    for step in range(24):  # bad, good, bad, good... every five minutes for two hours
        f1 = 0.6 if step % 2 == 0 else 0.8
        engine.evaluate(workspace, "alice", report(step * 5, f1=f1), now=at(step * 5), settings=s)
    assert len(notes(workspace, kind="fired", channel="tray")) == 1
    [alert] = engine.all_alerts(workspace, now=at(120), settings=s)
    assert alert.flapping
    assert alert.episode == 1


def test_failing_command_is_a_visible_notification_failure(workspace: Workspace) -> None:
    s = make_settings(
        rules=only("f1_critical"),
        command={"argv": ["false"]},
        escalation=[{"after": "0m", "channels": ["tray", "command"]}],
    )
    events = engine.evaluate(workspace, "alice", report(f1=0.6), now=at(0), settings=s)
    assert [e.kind for e in events] == ["fired", "notify_failed"]
    assert "command" in events[1].detail
    assert "exit code 1" in events[1].detail
    [failed] = notify.failures(workspace)
    assert failed.channel == "command"
    assert failed.status == "failed"
    assert [n.status for n in notes(workspace, channel="tray")] == ["queued"]  # alert not lost


def test_email_is_grouped_per_recipient(workspace: Workspace, smtp: type[FakeSMTP]) -> None:
    s = make_settings(
        rules=only("f1_critical", "fpr_critical"),
        smtp={"host": "127.0.0.1", "port": 2525, "sender": "console@example.com"},
        escalation=[{"after": "0m", "channels": ["email"], "contacts": ["a@x.org", "b@x.org"]}],
    )
    engine.evaluate(workspace, "alice", report(f1=0.6, fpr=0.05), now=at(0), settings=s)
    assert sorted(m["To"] for m in smtp.sent) == ["a@x.org", "b@x.org"]
    body = smtp.sent[0].get_content()
    assert "f1_critical" in body
    assert "fpr_critical" in body
    assert smtp.logins == []  # no username: no login


def test_smtp_failure_is_recorded_not_raised(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    s = make_settings(
        rules=only("f1_critical"),
        smtp={"host": "127.0.0.1", "port": 2525, "sender": "console@example.com"},
        escalation=[{"after": "0m", "channels": ["email"], "contacts": ["a@x.org"]}],
    )
    events = engine.evaluate(workspace, "alice", report(f1=0.6), now=at(0), settings=s)
    assert events[-1].kind == "notify_failed"
    assert "Connection refused" in events[-1].detail


def test_a_crashed_job_raises_a_critical(workspace: Workspace) -> None:
    with workspace.conn:
        workspace.conn.execute(
            "INSERT INTO jobs (kind, user, params, started_at, finished_at, state, message) "
            "VALUES ('retrain', 'alice', '{}', ?, ?, 'failed', 'MemoryError')",
            (clock.iso(at(-10)), clock.iso(at(-5))),
        )
    s = make_settings(rules=only("jobs_failed"))
    events = engine.evaluate(workspace, "alice", None, now=at(0), settings=s)
    assert events == []  # no report: nothing to observe yet
    events = engine.evaluate(workspace, "alice", report(), now=at(0), settings=s)
    assert [(e.rule, e.kind) for e in events] == [("jobs_failed", "fired")]
    [alert] = engine.open_alerts(workspace, now=at(0))
    assert "retrain" in alert.explanation


def test_history_filters(workspace: Workspace) -> None:
    s = make_settings(rules=only("f1_critical", "fpr_critical"))
    engine.evaluate(workspace, "alice", report(0, f1=0.6, fpr=0.05), now=at(0), settings=s)
    engine.evaluate(workspace, "alice", report(60, f1=0.8), now=at(60), settings=s)
    every = engine.history(workspace)
    assert [(e.rule, e.kind) for e in every] == [
        ("fpr_critical", "resolved"),
        ("f1_critical", "resolved"),
        ("fpr_critical", "fired"),
        ("f1_critical", "fired"),
    ]
    assert len(engine.history(workspace, engine.HistoryFilter(rule="fpr_critical"))) == 2
    assert len(engine.history(workspace, engine.HistoryFilter(kind="fired"))) == 2
    assert len(engine.history(workspace, engine.HistoryFilter(since=at(30)))) == 2
    values = [v for _at, v, _s in engine.samples(workspace, "f1_critical", now=at(60))]
    assert values == [0.6, 0.8]
