"""The service wants its bearer token on loopback too, unless opened there."""

from __future__ import annotations

import logging

import httpx
import keyring
import keyring.backends.fail
import pytest

from console.core.base import audit
from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.demo import traffic
from console.core.security import credentials
from console.core.serving import access, state
from console.core.serving.server import ScoringService
from console.core.serving.settings import ServiceSettings
from tests.core.serving_models import AUTH, TOKEN, record, running, with_models


def test_loopback_without_the_token_is_401_and_logged(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    ws = with_models(workspace)
    with caplog.at_level(logging.INFO), running(ws) as service:
        url = f"{service.info.url}/v1/predict"
        bare = httpx.post(url, json=record(transaction_id="t-1"))
        wrong = httpx.post(url, json=record(), headers={"Authorization": "Bearer guessed-it"})
        metrics = httpx.get(f"{service.info.url}/metrics")
        health = httpx.get(f"{service.info.url}/health")  # open: no data, the GUI polls it
        ok = httpx.post(url, json=record(transaction_id="t-2"), headers=AUTH)
    assert (bare.status_code, wrong.status_code, metrics.status_code) == (401, 401, 401)
    assert bare.json()["error"].startswith("missing or wrong bearer token")
    assert (health.status_code, ok.status_code) == (200, 200)
    assert ok.json()["predictions"][0]["id"] == "t-2"
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refused
    assert "from 127.0.0.1:" in refused[0]
    assert not any(
        "guessed-it" in r.getMessage() or TOKEN in r.getMessage() for r in caplog.records
    )
    [run] = state.recent_runs(ws)
    assert run["errors"] == 2  # the two refused predicts
    [start] = [e for e in audit.entries(ws.conn, action="service.control")
               if e.details.get("event") == "start"]  # fmt: skip
    assert start.details["token_required"] is True


def test_open_on_loopback_answers_without_the_token(workspace: Workspace) -> None:
    ws = with_models(workspace)
    with running(ws, open_on_loopback=True) as service:
        answer = httpx.post(f"{service.info.url}/v1/predict", json=record())
    assert answer.status_code == 200
    assert not service.token_required


def test_without_a_token_the_service_refuses_to_start_and_names_the_ways(
    workspace: Workspace,
) -> None:
    with_models(workspace)
    keyring.set_keyring(keyring.backends.fail.Keyring())  # a headless machine
    with pytest.raises(BadInput, match=r"service-token.*open_on_loopback = true"):
        ScoringService(workspace, "alice", ServiceSettings(port=0))
    assert state.recent_runs(workspace) == []
    with running(workspace, open_on_loopback=True) as service:  # opened: no keyring needed
        assert httpx.post(f"{service.info.url}/v1/predict", json=record()).status_code == 200


def test_the_traffic_command_sends_the_token(workspace: Workspace, capsys) -> None:
    from console import cli

    ws = with_models(workspace)
    with running(ws) as service:
        code = cli.main(["-w", str(ws.root), "traffic", "--rate", "40", "--duration", "0.3"])
        health = service.metrics.health(0, 0)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 failed" in out
    assert health["errors"] == 0
    assert health["records"] > 0


def test_traffic_without_the_token_is_refused_with_a_hint(workspace: Workspace, capsys) -> None:
    from console import cli

    ws = with_models(workspace)
    with running(ws):
        keyring.get_keyring().delete_password(  # this OS user's keyring lacks the token
            credentials.settings.keyring_service(ws.conn), "service-token"
        )
        code = cli.main(["-w", str(ws.root), "traffic", "--rate", "40", "--duration", "0.3"])
    out = capsys.readouterr().out
    assert code == 1
    assert "refused (401): the service wants the service-token credential" in out


def test_provide_token_generates_one_into_the_keyring(workspace: Workspace) -> None:
    ws = with_models(workspace)
    token = access.provide_token(ws, "alice", purpose="a test")
    assert token
    assert token != TOKEN
    assert credentials.get_secret(ws, "service-token") == token
    assert not ws.config.service.open_on_loopback
    with running(ws) as service:
        result = traffic.send(service.info.url, rate=40, duration=0.3, token=token)
    assert result.sent
    assert (result.ok, result.failed) == (result.sent, 0)


def test_provide_token_without_a_keyring_opens_loopback_as_an_audited_change(
    workspace: Workspace,
) -> None:
    ws = with_models(workspace)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    assert access.provide_token(ws, "alice", purpose="the demo's live traffic") is None
    assert ws.config.service.open_on_loopback
    text = ws.config_path.read_text()
    assert "open_on_loopback = true" in text
    assert "# true: clients on this machine may score" in text  # the comment is kept
    [edit] = [e for e in audit.entries(ws.conn, action="config.edit") if e.user == "alice"][-1:]
    assert "no usable OS keyring" in edit.details["reason"]
    with running(ws, open_on_loopback=ws.config.service.open_on_loopback) as service:
        result = traffic.send(service.info.url, rate=40, duration=0.3)
    assert result.sent
    assert (result.ok, result.failed) == (result.sent, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[a]\nx = 1\n", "[a]\nx = 1\n\n[service]\nopen_on_loopback = true\n"),
        ("[service]\nport = 1\n[b]\n", "[service]\nopen_on_loopback = true\nport = 1\n[b]\n"),
        (
            "[service]  # s\nopen_on_loopback = false  # why\n[b]\nopen_on_loopback = false\n",
            "[service]  # s\nopen_on_loopback = true  # why\n[b]\nopen_on_loopback = false\n",
        ),
    ],
)
def test_with_open_on_loopback_edits_only_the_service_section(text: str, expected: str) -> None:
    assert access.with_open_on_loopback(text, True) == expected
