"""Who acts: CONSOLE_USER only when it is the OS user or the workspace allows it;
access.default_role never operator or admin; prompts fail cleanly; roles before prompts."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from console import cli
from console.core.base import workspace as workspace_module
from console.core.base.errors import ConfigError
from console.core.base.workspace import Workspace
from console.core.security import accounts, policy


@pytest.fixture
def strict(workspace_root: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> Path:
    """A workspace made as it is outside the test suite (CONSOLE_USER not trusted),
    with the OS user 'carol' as its admin."""
    monkeypatch.setattr(workspace_module, "ALLOW_CONSOLE_USER", False)
    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    monkeypatch.setenv("CONSOLE_USER", "carol")
    assert cli.main(["-w", str(workspace_root), "init"]) == 0
    capsys.readouterr()
    return workspace_root


def test_console_user_naming_someone_else_is_refused(
    strict: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("CONSOLE_USER", "root")
    assert cli.main(["-w", str(strict), "users", "set-role", "root", "admin"]) == 3
    err = capsys.readouterr().err
    assert "CONSOLE_USER=root is not the operating-system user (carol)" in err
    with Workspace.open(strict) as ws:
        assert ws.role_of("root") == "viewer"


def test_console_user_naming_the_os_user_is_honoured(strict: Path, capsys) -> None:
    assert cli.main(["-w", str(strict), "status", "--json"]) == 0
    assert '"user": "carol"' in capsys.readouterr().out


def test_the_workspace_may_allow_other_names(
    strict: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    with Workspace.open(strict) as ws:
        policy.set_console_user_override(ws, "carol", True)
    monkeypatch.setenv("CONSOLE_USER", "dave")
    assert cli.main(["-w", str(strict), "status", "--json"]) == 0
    assert '"user": "dave"' in capsys.readouterr().out


def test_init_under_another_name_is_refused(
    workspace_root: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(workspace_module, "ALLOW_CONSOLE_USER", False)
    monkeypatch.setattr(getpass, "getuser", lambda: "carol")
    monkeypatch.setenv("CONSOLE_USER", "root")
    assert cli.main(["-w", str(workspace_root), "init"]) == 3
    assert not workspace_root.exists()


@pytest.mark.parametrize("role", ["operator", "admin"])
def test_default_role_may_not_change_anything(tmp_path: Path, role: str, capsys) -> None:
    from console.core.base.config import default_config_text

    text = default_config_text().replace('default_role = "viewer"', f'default_role = "{role}"')
    config = tmp_path / "site.toml"
    config.write_text(text)
    assert cli.main(["-w", str(tmp_path / "ws"), "init", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    lines = text.splitlines()
    line = next(n for n, t in enumerate(lines, 1) if t.startswith(f'default_role = "{role}"'))
    assert f"site.toml:{line}: access.default_role: may not be {role}" in err
    from console.core.base.config import parse_config

    with pytest.raises(ConfigError):
        parse_config(text)


def test_end_of_input_at_a_password_prompt_is_exit_2(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})
    accounts.set_password(workspace, "alice", "alice", "alice-password-1")
    accounts.set_enabled(workspace, "alice", True)
    workspace.close()

    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr(getpass, "getpass", eof)
    assert cli.main(["-w", str(workspace.root), "status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no input for 'Password for alice' (end of input)" in err
    assert "CONSOLE_PASSWORD_FILE" in err


def test_end_of_input_at_a_new_password_is_exit_2(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    workspace.close()
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": (_ for _ in ()).throw(EOFError))
    code = cli.main(["-w", str(workspace.root), "security", "accounts", "set-password", "alice"])
    assert code == 2
    assert "end of input" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["security", "accounts", "set-password", "bob"],
        ["security", "credentials", "set", "smtp-password"],
        ["audit", "export", "out.json", "--encrypt"],
    ],
)
def test_the_role_is_checked_before_any_prompt(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys, argv: list[str]
) -> None:
    workspace.set_role("alice", "bob", "viewer")
    workspace.close()

    def never(prompt: str = "") -> str:
        raise AssertionError(f"asked {prompt!r} before checking the role")

    monkeypatch.setattr(getpass, "getpass", never)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setenv("CONSOLE_USER", "bob")
    assert cli.main(["-w", str(workspace.root), *argv]) == 3
    assert "permission denied: bob (viewer)" in capsys.readouterr().err
