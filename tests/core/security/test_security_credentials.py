"""Credentials only in the OS keyring; a clear message when there is none; TLS files."""

from __future__ import annotations

import datetime as dt

import keyring
import keyring.backends.fail
import pytest

from console.core.base import audit, clock
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.security import credentials, settings, tls


def test_set_and_rotate_a_secret(workspace: Workspace) -> None:
    assert credentials.get_secret(workspace, "service-token") is None
    credentials.set_secret(workspace, "alice", "service-token", "first-token-value")
    credentials.set_secret(workspace, "alice", "service-token", "second-token-value")
    assert credentials.get_secret(workspace, "service-token") == "second-token-value"
    service = settings.keyring_service(workspace.conn)
    assert _memory()[(service, "service-token")] == "second-token-value"
    entries = audit.entries(workspace.conn, action="credential.set")
    assert [e.details for e in entries] == [
        {"name": "service-token", "rotated": True},
        {"name": "service-token", "rotated": False},
    ]
    info = {c.name: c for c in credentials.list_credentials(workspace)}
    assert info["service-token"].set_by == "alice"
    assert info["smtp-password"].set_at is None


def test_two_workspaces_do_not_share_secrets(workspace: Workspace, tmp_path) -> None:
    other = Workspace.create(tmp_path / "other", "alice")
    credentials.set_secret(workspace, "alice", "smtp-password", "password-one")
    assert credentials.get_secret(other, "smtp-password") is None
    other.close()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("api-key", "long-enough-value", "not one of"),
        ("service-token", "short", "shorter than 8"),
        ("service-token", " padded-value ", "edge spaces"),
        ("service-token", "two\nlines-value", "one line"),
    ],
)
def test_bad_credentials_are_refused_and_change_nothing(
    workspace: Workspace, name: str, value: str, message: str
) -> None:
    with pytest.raises(BadInput, match=message):
        credentials.set_secret(workspace, "alice", name, value)
    stored = {username for _service, username in _memory()}
    assert not stored & {name, *credentials.CREDENTIALS}  # only the console's own keys
    assert workspace.conn.execute("SELECT COUNT(*) FROM credentials").fetchone()[0] == 0


def test_only_admin_sets_credentials(workspace: Workspace) -> None:
    workspace.set_role("alice", "olga", "operator")
    with pytest.raises(PermissionDenied):
        credentials.set_secret(workspace, "olga", "service-token", "olga-token-value")
    assert "olga-token-value" not in _memory().values()
    assert audit.entries(workspace.conn, limit=1)[0].outcome == "denied"


def test_no_usable_keyring_says_how_to_enable_one(workspace: Workspace) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(credentials.KeyringUnavailable) as err:
        credentials.set_secret(workspace, "alice", "service-token", "some-token-value")
    message = str(err.value)
    assert "\n" not in message
    assert "gnome-keyring-daemon --unlock --components=secrets" in message
    assert "dbus-run-session" in message
    assert "never stores secrets in plain text" in message
    with pytest.raises(credentials.KeyringUnavailable):
        credentials.get_secret(workspace, "service-token")
    # nothing recorded, nothing written in plain text anywhere
    assert workspace.conn.execute("SELECT COUNT(*) FROM credentials").fetchone()[0] == 0
    assert all(b"some-token-value" not in p.read_bytes() for p in _files(workspace))


def _files(ws: Workspace) -> list:
    return [p for p in ws.root.rglob("*") if p.is_file()]


def test_generated_certificate_is_reused_and_renewed(workspace: Workspace, monkeypatch) -> None:
    from cryptography import x509

    cert, key = tls.ensure_certificate(workspace)
    assert key.stat().st_mode & 0o077 == 0
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    names = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    first = cert.read_bytes()
    assert tls.ensure_certificate(workspace) == (cert, key)
    assert cert.read_bytes() == first
    later = clock.now() + dt.timedelta(days=tls.VALID_DAYS - 10)
    monkeypatch.setattr(clock, "now", lambda: later)
    tls.ensure_certificate(workspace)
    assert cert.read_bytes() != first


def test_site_certificate_wins(workspace: Workspace) -> None:
    folder = tls.tls_folder(workspace)
    folder.mkdir()
    (folder / "site.crt").write_text("cert")
    with pytest.raises(Exception, match="must both be present"):
        tls.ensure_certificate(workspace)
    (folder / "site.key").write_text("key")
    assert tls.ensure_certificate(workspace) == (folder / "site.crt", folder / "site.key")


def _memory() -> dict[tuple[str, str], str]:
    """The secrets of the in-memory keyring tests/conftest.py installs."""
    secrets: dict[tuple[str, str], str] = keyring.get_keyring().secrets  # type: ignore[attr-defined]
    return secrets


NO_KEYRING_PROBE = r"""
import json, sys
from console.core.security import credentials
found = [credentials.no_keyring_here(), credentials.keyring_usable(), credentials.backend_path()]
try:
    credentials._backend()
except credentials.KeyringUnavailable as exc:
    found.append(str(exc)[:60])
found.append("keyring" in sys.modules)
print(json.dumps(found))
"""


def _probe_without_keyring(tmp_path, **env_extra: str) -> list[object]:
    import json
    import os
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PYTHON_KEYRING_BACKEND",
            "DBUS_SESSION_BUS_ADDRESS",
            "DISPLAY",
            "WAYLAND_DISPLAY",
        )
    }
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), **env_extra)
    out = subprocess.run(
        [sys.executable, "-c", NO_KEYRING_PROBE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.skipif(
    not __import__("sys").platform.startswith("linux")
    or __import__("pathlib").Path(f"/run/user/{__import__('os').getuid()}/bus").exists(),
    reason="a Linux process with no D-Bus session bus",
)
def test_no_keyring_is_known_without_importing_keyring(tmp_path) -> None:
    """Headless Linux, no D-Bus: every command knew it only after importing keyring and
    trying each backend (about 0.2 s); the answer and the message are the same."""
    found = _probe_without_keyring(tmp_path)
    assert found[:3] == [True, False, "keyring.backends.fail.Keyring"]
    assert str(found[3]).startswith("no usable OS keyring (backend fail.Keyring)")
    assert found[4] is False  # keyring never imported
    # a backend named in the environment (as the tests' subprocesses do) is asked as usual
    named = _probe_without_keyring(tmp_path, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert named[0] is False
    assert named[-1] is True
    # so is one named in keyring's own configuration file
    config = tmp_path / "config" / "python_keyring"
    config.mkdir(parents=True)
    (config / "keyringrc.cfg").write_text(
        "[backend]\ndefault-keyring=keyring.backends.fail.Keyring\n"
    )
    assert _probe_without_keyring(tmp_path)[0] is False
