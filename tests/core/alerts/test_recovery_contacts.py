"""The recovery contacts document feeds the alert escalation path."""

from __future__ import annotations

from console.core.alerts import engine
from console.core.base.workspace import Workspace
from console.core.runbooks import library
from tests.core.alerts.test_alerts_engine import ESCALATING, at, make_settings, report, smtp

CONTACTS = """
[[contact]]
name = "Duty manager"
role = "decides"
phone = "+41 00 000 00 00"
email = "duty@example.com"

[[escalation]]
level = 3
after = "60m"
contacts = ["Duty manager"]
"""

__all__ = ["smtp"]  # the fixture, used by name


def test_an_escalation_level_reaches_its_recovery_contacts(workspace: Workspace, smtp) -> None:
    library.save_contacts(workspace, "alice", CONTACTS, reason="duty roster")
    s = make_settings(**ESCALATING)
    for minute in range(61):
        engine.evaluate(workspace, "alice", report(f1=0.6), now=at(minute), settings=s)
    assert sorted(m["To"] for m in smtp.sent) == ["duty@example.com", "lead@example.com"]
    body = smtp.sent[0].get_content()
    assert "Recovery contacts (level 3): Duty manager +41 00 000 00 00 duty@example.com" in body


def test_without_reachable_contacts_nothing_changes(workspace: Workspace, smtp) -> None:
    library.ensure_defaults(workspace)  # the shipped template has names but no numbers
    s = make_settings(**ESCALATING)
    for minute in range(61):
        engine.evaluate(workspace, "alice", report(f1=0.6), now=at(minute), settings=s)
    assert [m["To"] for m in smtp.sent] == ["lead@example.com"]
    assert "Recovery contacts" not in smtp.sent[0].get_content()
