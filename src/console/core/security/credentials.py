"""Credentials live only in the OS keyring: never in console.toml, the database, logs,
the audit log or backups in clear.

The database records only *that* a credential was set, when and by whom. On a machine
with no usable keyring (headless Linux without a Secret Service) every call raises
:class:`KeyringUnavailable` with a one-line way to enable one; there is no plain-text
fallback.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from console.core.base import clock
from console.core.base.errors import BadInput, ConsoleError
from console.core.security import settings

if TYPE_CHECKING:  # keyring is imported where it is used: opening a workspace needs none
    import keyring.backend

    from console.core.base.workspace import Workspace

#: credentials an admin sets through the console, and what each is for
CREDENTIALS: Final[dict[str, str]] = {
    "service-token": "bearer token every caller of the scoring service sends",
    "smtp-password": "password of the SMTP account alert e-mails are sent with",
    "backup-passphrase": "passphrase backups are encrypted with",
}
#: keys the console manages itself (never set by hand)
INTERNAL: Final = frozenset({"audit-signing-key", "data-key", "audit-head"})

ENABLE_HINT: Final = (
    "no usable OS keyring ({backend}): on a desktop unlock the login keyring; on a headless "
    "Linux machine install gnome-keyring and run the console under a Secret Service: "
    "dbus-run-session -- sh -c 'printf PASSWORD | gnome-keyring-daemon --unlock "
    "--components=secrets; console ...' (the console never stores secrets in plain text)"
)


class KeyringUnavailable(ConsoleError):
    """No usable OS keyring; ``str()`` says how to enable one on this machine."""

    exit_code = 2

    def __init__(self, detail: str = "", *, message: str | None = None) -> None:
        if message is None:
            message = ENABLE_HINT.format(backend=f"backend {_backend_name()}")
            message += f"; {detail}" if detail else ""
        super().__init__(message)

    @classmethod
    def missing(cls, what: str) -> KeyringUnavailable:
        """The keyring works but lacks a key this workspace made earlier."""
        return cls(
            message=f"{what} of this workspace is not in this keyring ({_backend_name()}): "
            "run the console as the user (and on the machine) that created it, or restore "
            "the keyring entry"
        )


def no_keyring_here() -> bool:
    """True when no keyring backend can work in this process, known without importing
    keyring: its import and its search of every backend (the macOS one runs ldconfig)
    took about 0.2 s of each command on a headless Linux machine.

    That is: Linux with no D-Bus session bus (every Linux backend talks D-Bus), no
    display (which may start one), no backend named by ``PYTHON_KEYRING_BACKEND`` or by
    keyring's ``keyringrc.cfg``, no third-party backend (``keyrings.*``) installed, and
    keyring not imported yet (a process that set its own backend is asked as usual)."""
    if "keyring" in sys.modules or not sys.platform.startswith("linux"):
        return False
    env = os.environ
    if any(
        env.get(name)
        for name in (
            "PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"
        )
    ):  # fmt: skip
        return False
    config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    if (config / "python_keyring" / "keyringrc.cfg").exists():
        return False
    if Path(f"/run/user/{os.getuid()}/bus").exists():
        return False
    return importlib.util.find_spec("keyrings") is None


def backend_path() -> str:
    """The keyring backend this process uses, e.g. ``keyring.backends.fail.Keyring``."""
    if no_keyring_here():
        return "keyring.backends.fail.Keyring"  # what keyring itself would choose
    import keyring

    backend = type(keyring.get_keyring())
    return f"{backend.__module__}.{backend.__name__}"


def _backend_name() -> str:
    return backend_path().removeprefix("keyring.backends.")


@dataclass(frozen=True)
class CredentialInfo:
    name: str
    purpose: str
    set_at: str | None
    set_by: str | None


def _backend() -> keyring.backend.KeyringBackend:
    if no_keyring_here():
        raise KeyringUnavailable()
    import keyring
    import keyring.backends.fail

    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring):
        raise KeyringUnavailable()
    return backend


def keyring_get(conn: sqlite3.Connection, name: str) -> str | None:
    """Read the workspace's secret ``name`` from the keyring (None when unset)."""
    backend = _backend()
    import keyring.errors

    try:
        return backend.get_password(settings.keyring_service(conn), name)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc).splitlines()[0] if str(exc) else "") from None


def keyring_set(conn: sqlite3.Connection, name: str, value: str) -> None:
    backend = _backend()
    import keyring.errors

    try:
        backend.set_password(settings.keyring_service(conn), name, value)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(str(exc).splitlines()[0] if str(exc) else "") from None


def keyring_usable() -> bool:
    if no_keyring_here():
        return False
    import keyring
    import keyring.backends.fail

    return not isinstance(keyring.get_keyring(), keyring.backends.fail.Keyring)


def get_secret(ws: Workspace, name: str) -> str | None:
    """The credential ``name`` of this workspace, or None when it was never set."""
    return keyring_get(ws.conn, name)


def set_secret(ws: Workspace, user: str, name: str, value: str) -> None:
    """Set or rotate a credential (role admin). Audited by name only, never the value."""
    if name not in CREDENTIALS:
        raise BadInput(f"credential {name!r} is not one of {', '.join(CREDENTIALS)}")
    if not value or value != value.strip() or "\n" in value:
        raise BadInput(f"credential {name}: value must be non-empty, one line, no edge spaces")
    if len(value) < 8:
        raise BadInput(f"credential {name}: value is shorter than 8 characters")
    with ws.change(user, "credential.set", f"credential:{name}") as ch:
        before = ch.conn.execute("SELECT set_at FROM credentials WHERE name = ?", (name,))
        rotated = before.fetchone() is not None
        ch.conn.execute(
            "INSERT INTO credentials (name, set_at, set_by) VALUES (?,?,?) ON CONFLICT(name) "
            "DO UPDATE SET set_at = excluded.set_at, set_by = excluded.set_by",
            (name, clock.iso(), user),
        )
        keyring_set(ch.conn, name, value)  # last: a failure here rolls the record back
        ch.details = {"name": name, "rotated": rotated}


def generate_token() -> str:
    """A fresh random service token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def list_credentials(ws: Workspace) -> list[CredentialInfo]:
    """Every credential the console knows, with when and by whom it was last set."""
    rows = {r["name"]: r for r in ws.conn.execute("SELECT * FROM credentials")}
    out = []
    for name, purpose in CREDENTIALS.items():
        row = rows.get(name)
        out.append(
            CredentialInfo(
                name, purpose, row["set_at"] if row else None, row["set_by"] if row else None
            )
        )
    return out
