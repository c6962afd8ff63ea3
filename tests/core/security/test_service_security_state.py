"""``[service] open_on_loopback`` is security state: an edit outside the console is
detected by ``console audit verify`` and at start; an audited change is not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console import cli
from console.core.base import audit
from console.core.base.workspace import Workspace
from console.core.security import security_state
from console.core.serving import access

LINE = "open_on_loopback = false"


def edit_outside(ws: Workspace, on: bool) -> None:
    path = ws.config_path
    path.write_text(access.with_open_on_loopback(path.read_text(), on))


def test_the_signed_state_covers_open_on_loopback(workspace: Workspace) -> None:
    assert LINE in workspace.config_path.read_text()  # the default file states it
    now = security_state.current(workspace.conn, workspace.security_config())
    assert now["service.open_on_loopback"] == "False"


def test_opening_loopback_by_hand_is_detected(workspace: Workspace, capsys) -> None:
    edit_outside(workspace, True)
    workspace.close()
    assert cli.main(["-w", str(workspace.root), "audit", "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["changes"] == ["service.open_on_loopback: False -> True"]
    with Workspace.open(workspace.root) as again:
        assert not again.integrity.ok
        assert again.integrity.changes == ["service.open_on_loopback: False -> True"]
        again.set_role("alice", "zoe", "viewer")  # a later change does not bless it
        assert not audit.verify(again.conn).ok


def test_opening_loopback_through_the_console_is_no_finding(workspace: Workspace) -> None:
    access.set_open_on_loopback(workspace, "alice", True, reason="a kiosk with one user")
    assert workspace.config.service.open_on_loopback
    assert audit.verify(workspace.conn).ok
    workspace.close()
    with Workspace.open(workspace.root) as again:
        assert again.integrity.ok, again.integrity.reason
        assert again.config.service.open_on_loopback
        assert audit.verify(again.conn).ok


def test_an_edit_by_another_process_is_seen_when_this_one_signs(workspace: Workspace) -> None:
    """The head a process signs states the file as it is, not as the process read it."""
    edit_outside(workspace, True)
    workspace.set_role("alice", "zoe", "viewer")  # signs a head: the edit is not explained
    report = audit.verify(workspace.conn)
    assert not report.ok
    assert "service.open_on_loopback: False -> True" in report.reason


@pytest.mark.parametrize(
    ("now", "found"),
    [("False", []), ("True", ["service.open_on_loopback: (absent) -> True"])],
)
def test_a_head_signed_before_the_key_was_covered(now: str, found: list[str]) -> None:
    """After an upgrade the key is absent from the signed state: its default is no
    change, anything else is reported."""
    anchored = {"users.alice": "admin", "access.default_role": "viewer"}
    current = {**anchored, "service.open_on_loopback": now}
    diffs = security_state.unexplained(anchored, current, ())
    assert [d.text() for d in diffs] == found


def test_may_change_lets_a_config_edit_explain_it() -> None:
    prefixes = security_state.may_change("config.edit", "console.toml")
    assert "service." in prefixes
    assert "service." not in security_state.may_change("config.edit", "security.x")


def test_reading_the_config_items_survives_a_broken_file(workspace: Workspace) -> None:
    Path(workspace.config_path).write_text("[service\n")
    assert workspace.security_config()["service.open_on_loopback"] == "False"


def test_security_status_names_an_open_loopback_service(workspace: Workspace) -> None:
    from console.core.security import policy

    assert not any("open_on_loopback" in c for c in policy.status(workspace).caveats())
    access.set_open_on_loopback(workspace, "alice", True, reason="a kiosk")
    [caveat] = [c for c in policy.status(workspace).caveats() if "open_on_loopback" in c]
    assert caveat.startswith("the scoring service answers any program on this machine")
