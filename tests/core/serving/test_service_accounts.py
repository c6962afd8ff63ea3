"""Starting the service (and live traffic) for a signed-in console user, accounts on.

The child process cannot ask for a password: it is refused up front (exit 3, audited)
when the workspace would not let it act as that user, and otherwise signs in with a
one-time start ticket.
"""

from __future__ import annotations

import time

import pytest

from console.core.base import access, audit
from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.security import accounts, policy, start_ticket
from console.core.serving import control, state
from tests.core.serving_models import with_models


@pytest.fixture
def signed_in(
    workspace: Workspace, shared_keyring: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    """Accounts on; bob (operator, with a password) is not the OS user."""
    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})
    for name, value in shared_keyring.items():  # the child reads the service token
        monkeypatch.setenv(name, value)
    ws = with_models(workspace)
    ws.set_role("alice", "bob", "operator")
    accounts.set_password(ws, "alice", "alice", "alice-password-1")
    accounts.set_password(ws, "alice", "bob", "bob-password-1")
    accounts.set_enabled(ws, "alice", True)
    assert access.os_user() != "bob"
    return ws


def test_refused_up_front_when_the_override_is_off(signed_in: Workspace) -> None:
    ws = signed_in
    policy.set_console_user_override(ws, "alice", False)
    with pytest.raises(access.IdentityRefused, match="would run as bob") as refused:
        control.start_service(ws, "bob", port=0)
    assert refused.value.exit_code == 3
    assert "console security console-user on" in str(refused.value)
    assert state.recent_runs(ws) == []  # nothing was started
    assert not (ws.root / "run").exists() or not list((ws.root / "run").iterdir())
    [denied] = audit.entries(ws.conn, action="service.control", outcome="denied")
    assert denied.user == "bob"


def test_with_the_override_the_child_signs_in_with_a_start_ticket(signed_in: Workspace) -> None:
    ws = signed_in
    info = control.start_service(ws, "bob", port=0)
    try:
        [run] = state.recent_runs(ws)
        assert (run["user"], run["running"]) == ("bob", True)
        traffic = control.start_traffic(ws, "bob", rate=20, duration=20)
        try:
            deadline = time.monotonic() + 30
            scored = 0
            while time.monotonic() < deadline and not scored:
                scored = int(state.fetch_health(info, 2.0).get("records", 0))
                time.sleep(0.2)
            assert scored > 0  # the generator signed in too, and sent the token
        finally:
            control.stop_traffic(traffic)
    finally:
        control.stop_service(ws, "bob")
    sign_ins = audit.entries(ws.conn, action=accounts.SIGN_IN)
    via_ticket = [e for e in sign_ins if e.target == start_ticket.VIA]
    assert {(e.user, e.outcome) for e in via_ticket} == {("bob", "ok")}
    assert len(via_ticket) == 2  # the service and the traffic generator
    assert list((ws.root / "run").glob("ticket-*")) == []  # used up


def test_a_ticket_is_for_one_user_once_and_briefly(
    signed_in: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = signed_in
    nonce = start_ticket.issue(ws, "bob")
    with pytest.raises(BadInput, match="issued for someone else"):
        start_ticket.redeem(ws, "alice", nonce)
    nonce = start_ticket.issue(ws, "bob")
    assert start_ticket.redeem(ws, "bob", nonce) == "bob"
    with pytest.raises(BadInput, match="used already"):
        start_ticket.redeem(ws, "bob", nonce)
    nonce = start_ticket.issue(ws, "bob")
    monkeypatch.setattr(time, "time", lambda: 1e12)
    with pytest.raises(BadInput, match="expired"):
        start_ticket.redeem(ws, "bob", nonce)
    denied = audit.entries(ws.conn, action=accounts.SIGN_IN, outcome="denied")
    assert len(denied) == 3


def test_the_ticket_file_names_no_secret(signed_in: Workspace) -> None:
    nonce = start_ticket.issue(signed_in, "bob")
    [path] = (signed_in.root / "run").glob("ticket-*.json")
    assert nonce not in path.name
    assert nonce not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
