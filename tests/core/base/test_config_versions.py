"""console.toml versions: changes through the console, outside edits, diff and revert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console import cli
from console.core.base import audit, config_docs, config_versions, events
from console.core.base.errors import BadInput, ConfigError, PermissionDenied
from console.core.base.workspace import Workspace


def edit(ws: Workspace, old: str, new: str) -> str:
    return ws.config_path.read_text().replace(old, new)


def test_creation_is_version_1_and_each_change_a_new_version(workspace: Workspace) -> None:
    seen: list[events.Event] = []
    stop = events.subscribe("config_changed", seen.append)
    try:
        (first,) = config_versions.history(workspace)
        assert (first.version, first.source, first.user) == (1, "initial", "alice")
        config = config_versions.save(
            workspace, "alice", edit(workspace, "f1_warning = 0.75", "f1_warning = 0.8"),
            reason="warn earlier",
        )  # fmt: skip
    finally:
        stop()
    assert config.thresholds.f1_warning == 0.8
    assert workspace.config.thresholds.f1_warning == 0.8
    latest = config_versions.current(workspace)
    assert latest is not None
    assert (latest.version, latest.user, latest.reason, latest.source) == (
        2, "alice", "warn earlier", "console",
    )  # fmt: skip
    assert "f1_warning = 0.8" in workspace.config_path.read_text()
    entry = audit.entries(workspace.conn, action="config.edit")[0]
    assert entry.details["changed"] == [
        {"key": "thresholds.f1_warning", "before": 0.75, "after": 0.8}
    ]
    assert [e.details["version"] for e in seen] == [2]
    d = config_versions.diff(workspace, 1, 2)
    assert "-f1_warning = 0.75        # warning when F1 falls below this" in d["diff"]
    assert d["changed"][0]["key"] == "thresholds.f1_warning"


def test_an_invalid_change_is_refused_with_the_reason_and_nothing_changes(workspace) -> None:
    before = workspace.config_path.read_text()
    with pytest.raises(ConfigError, match=r"f1_warning \(0.6\) must not be below f1_critical"):
        config_versions.save(
            workspace, "alice", edit(workspace, "f1_warning = 0.75", "f1_warning = 0.6"),
            reason="typo",
        )  # fmt: skip
    assert workspace.config_path.read_text() == before
    assert len(config_versions.history(workspace)) == 1
    assert audit.entries(workspace.conn, action="config.edit")[0].outcome == "refused"
    with pytest.raises(BadInput, match="needs a reason"):
        config_versions.save(workspace, "alice", before, reason=" ")
    with pytest.raises(BadInput, match="no change"):
        config_versions.save(workspace, "alice", before, reason="same")


def test_only_an_admin_changes_the_config(workspace: Workspace) -> None:
    workspace.set_role("alice", "bob", "operator")
    text = edit(workspace, "f1_warning = 0.75", "f1_warning = 0.8")
    with pytest.raises(PermissionDenied):
        config_versions.save(workspace, "bob", text, reason="mine")
    with pytest.raises(PermissionDenied):
        config_versions.revert(workspace, "bob", 1, reason="")


def test_an_outside_edit_is_recorded_at_the_next_start(workspace_root: Path) -> None:
    Workspace.create(workspace_root, "alice").close()
    path = workspace_root / "console.toml"
    path.write_text(path.read_text().replace('level = "INFO"', 'level = "DEBUG"'))
    with Workspace.open(workspace_root) as ws:
        latest = config_versions.current(ws)
        assert latest is not None
        assert (latest.version, latest.source) == (2, "outside")
        assert latest.user == config_versions.OUTSIDE_USER
        entry = audit.entries(ws.conn, action="config.edit")[0]
        assert entry.details["changed"][0]["key"] == "logging.level"
    with Workspace.open(workspace_root) as ws:  # noted once, not at every start
        assert len(config_versions.history(ws)) == 2


def test_revert_makes_an_old_version_current_as_a_new_version(workspace) -> None:
    config_versions.save(
        workspace, "alice", edit(workspace, "port = 8765", "port = 9000"), reason="port clash"
    )
    config = config_versions.revert(workspace, "alice", 1, reason="clash gone")
    assert config.service.port == 8765
    latest = config_versions.current(workspace)
    assert latest is not None
    assert (latest.version, latest.source) == (3, "revert")
    assert latest.reason == "revert to version 1: clash gone"
    assert config_versions.get(workspace, 1).text == workspace.config_path.read_text()


def test_a_revert_that_would_not_validate_is_refused_with_the_reason(workspace) -> None:
    # a version an older console accepted: a key this console no longer knows
    old = edit(workspace, "[limits]", "[limits]\nspeed = 3")
    with workspace.conn:
        workspace.conn.execute(
            "INSERT INTO config_versions (version, sha256, text, user, created_at, reason,"
            " source) VALUES (2, 'x', ?, 'alice', '2026-01-01T00:00:00.000+00:00', 'old',"
            " 'console')",
            (old,),
        )
    before = workspace.config_path.read_text()
    with pytest.raises(BadInput, match=r"revert to version 2 refused: it would not validate: .*"
                       r"limits.speed: unknown key"):  # fmt: skip
        config_versions.revert(workspace, "alice", 2, reason="")
    assert workspace.config_path.read_text() == before
    assert audit.entries(workspace.conn, action="config.edit")[0].outcome == "refused"


def test_key_docs_and_editing_one_key_keep_the_comments() -> None:
    docs = config_docs.key_docs()
    assert docs["thresholds.f1_critical"] == "critical alert when F1 falls below this"
    text = config_docs.with_value(
        "[thresholds]\nf1_warning = 0.75   # warn\n", "thresholds.f1_warning", "0.8"
    )
    assert text == "[thresholds]\nf1_warning = 0.8    # warn\n"
    assert 'level = "DEBUG"' in config_docs.with_value("[logging]\n", "logging.level", "DEBUG")


def test_config_commands(workspace: Workspace, capsys) -> None:
    root = str(workspace.root)
    workspace.close()

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["-w", root, "config", *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("set", "thresholds.f1_warning", "0.8", "--reason", "earlier", "--json")
    assert code == 0
    assert json.loads(out)["version"] == 2
    code, out, _ = run("show", "--json")
    keys = {k["key"]: k for k in json.loads(out)["keys"]}
    assert keys["thresholds.f1_warning"]["value"] == 0.8
    assert keys["thresholds.f1_warning"]["meaning"] == "warning when F1 falls below this"
    code, out, _ = run("history", "--json")
    assert [v["version"] for v in json.loads(out)["versions"]] == [2, 1]
    code, out, _ = run("diff", "1", "2")
    assert code == 0
    assert "+f1_warning = 0.8" in out
    code, _, err = run("set", "thresholds.f1_warning", "0.5", "--reason", "oops")
    assert code == 2
    assert "must not be below f1_critical" in err
    code, _, err = run("set", "thresholds.nonsense", "1", "--reason", "x")
    assert code == 2
    assert "unknown key" in err
    code, _, err = run("revert", "7")
    assert code == 2
    assert err.strip() == "console: configuration version 7 does not exist"
    code, out, _ = run("revert", "1", "--json")
    assert code == 0
    assert json.loads(out)["source"] == "revert"
