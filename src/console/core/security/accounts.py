"""Optional console accounts with passwords, for shared workstations.

Off by default: the acting user is then the operating-system user (``CONSOLE_USER``
overrides). An admin turns accounts on per workspace once at least one admin has a
password; from then on the GUI asks for a name and password at start and the CLI asks
for the password of ``CONSOLE_USER``/the OS user. Passwords are hashed with scrypt
(n=2**15, r=8, p=1, 16-byte salt). Every sign-in and failed sign-in is audited
(action ``auth.sign_in``); after 5 failures within 15 minutes the account refuses
sign-ins for the rest of that window, without checking the password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
from typing import TYPE_CHECKING, Final

from console.core.base import audit, clock, db
from console.core.base.crash import crash_point
from console.core.base.errors import BadInput, ConsoleError
from console.core.security import settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from console.core.base.workspace import Workspace

SIGN_IN: Final = "auth.sign_in"
MIN_LENGTH: Final = 10
LOCK_AFTER: Final = 5
LOCK_WINDOW: Final = dt.timedelta(minutes=15)
_PARAMS: Final = {"n": 2**15, "r": 8, "p": 1}


class SignInFailed(ConsoleError):
    """Wrong name or password, or the account is locked (already audited)."""

    exit_code = 3


def hash_password(password: str, salt: bytes, params: dict[str, int] | None = None) -> bytes:
    p = params or _PARAMS
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=p["n"], r=p["r"], p=p["p"], maxmem=2**26, dklen=32
    )


def enabled(ws: Workspace) -> bool:
    return settings.flag(ws.conn, "accounts_enabled")


def has_password(ws: Workspace, name: str) -> bool:
    return ws.conn.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone() is not None


def set_password(ws: Workspace, user: str, name: str, password: str) -> None:
    """Set or reset ``name``'s password (role admin; the user must have a role)."""
    if len(password) < MIN_LENGTH:
        raise BadInput(f"password for {name}: shorter than {MIN_LENGTH} characters")
    if password.strip() != password or password.lower() == name.lower():
        raise BadInput(f"password for {name}: no edge spaces, and not the account name")
    salt = os.urandom(16)
    digest = hash_password(password, salt)
    with ws.change(user, "user.manage", f"account:{name}") as ch:
        if ch.conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is None:
            raise BadInput(f"{name} has no role in this workspace; give them one first")
        existed = ch.conn.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone()
        ch.conn.execute(
            "INSERT INTO accounts (name, salt, hash, params, changed_at, changed_by) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET salt = excluded.salt, "
            "hash = excluded.hash, params = excluded.params, changed_at = excluded.changed_at,"
            " changed_by = excluded.changed_by",
            (name, salt.hex(), digest.hex(), json.dumps(_PARAMS), clock.iso(), user),
        )
        ch.details = {"password": "reset" if existed else "set"}
        crash_point("user.account")


def remove_account(ws: Workspace, user: str, name: str) -> None:
    """Delete ``name``'s password (role admin); refused if it would lock admins out."""
    with ws.change(user, "user.manage", f"account:{name}") as ch:
        if ch.conn.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone() is None:
            raise BadInput(f"{name} has no console account")
        ch.conn.execute("DELETE FROM accounts WHERE name = ?", (name,))
        if settings.flag(ch.conn, "accounts_enabled") and not _admin_with_password(ch.conn):
            raise BadInput(f"{name} is the last admin with a password; accounts are on")
        ch.details = {"password": "removed"}


def set_enabled(ws: Workspace, user: str, on: bool) -> None:
    """Turn console accounts on or off for this workspace (role admin)."""
    with ws.change(user, "user.manage", "accounts") as ch:
        before = settings.flag(ch.conn, "accounts_enabled")
        if on and not _admin_with_password(ch.conn):
            raise BadInput("set a password for at least one admin before turning accounts on")
        settings.put(ch.conn, "accounts_enabled", "1" if on else "0")
        ch.details = {"before": before, "after": on}
        crash_point("user.account")


def _admin_with_password(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM accounts JOIN users USING (name) WHERE users.role = 'admin' LIMIT 1"
    ).fetchone()
    return row is not None


def _recent_failures(ws: Workspace, name: str) -> int:
    since = clock.iso(clock.now() - LOCK_WINDOW)
    rows = ws.conn.execute(
        "SELECT outcome FROM audit WHERE action = ? AND user = ? AND ts >= ? ORDER BY seq DESC",
        (SIGN_IN, name, since),
    )
    failures = 0
    for row in rows:
        if row["outcome"] == "ok":
            break
        failures += 1
    return failures


def sign_in(ws: Workspace, name: str, password: str, *, via: str = "gui") -> str:
    """Check ``name``'s password; return the name to act as, or raise SignInFailed.

    With accounts off this is not needed (the OS user acts) and returns ``name``.
    """
    name = name.strip()
    if not enabled(ws):
        return name
    row = ws.conn.execute("SELECT * FROM accounts WHERE name = ?", (name,)).fetchone()
    reason = ""
    if _recent_failures(ws, name) >= LOCK_AFTER:
        reason = f"locked after {LOCK_AFTER} failed sign-ins; try again in 15 minutes"
    elif row is None:
        hash_password(password, b"\0" * 16)  # same cost as a real check: no name probing
        reason = "unknown account or wrong password"
    else:
        digest = hash_password(password, bytes.fromhex(row["salt"]), json.loads(row["params"]))
        if not hmac.compare_digest(digest.hex(), row["hash"]):
            reason = "unknown account or wrong password"
    role = ws.role_of(name)
    with db.write_transaction(ws.conn) as conn:
        audit.append(
            conn,
            user=name or "?",
            role=role,
            action=SIGN_IN,
            target=via,
            outcome="denied" if reason else "ok",
            details={"reason": reason.split(";")[0]} if reason else {},
        )
    if reason:
        raise SignInFailed(f"sign-in refused for {name or '(no name)'}: {reason}")
    return name


def cli_identity(ws: Workspace, name: str, ask_password: Callable[[str], str]) -> str:
    """The user a CLI command acts as: ``name`` itself with accounts off; otherwise
    ``name`` after ``ask_password(prompt)`` returned its password."""
    if not enabled(ws):
        return name
    return sign_in(ws, name, ask_password(f"Password for {name}: "), via="cli")
