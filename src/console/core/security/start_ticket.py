"""One-time start tickets: how a process the GUI starts acts for its signed-in user.

With console accounts on, ``console serve`` and ``console traffic`` would ask for a
password, and a process the GUI starts in the background has no terminal to ask at.
So the GUI, whose user has signed in, issues a ticket: a random nonce handed to the
child in its environment, and a file named by the nonce's SHA-256 in the workspace's
``run`` folder (0600) saying for whom and until when (60 s). The child redeems it once
(the file is removed) for the name it was issued to, and the redemption is audited as a
sign-in ``via start-ticket``. A ticket is never stored in clear; it is no password:
whoever can write the workspace's files could write one too, as they could edit the
database (see the threat model in the README).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from console.core.base import audit, db
from console.core.base.errors import BadInput
from console.core.base.files import atomic_write_text
from console.core.security import accounts

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

ENV: Final = "CONSOLE_START_TICKET"
LIFETIME_S: Final = 60.0
VIA: Final = "start-ticket"


def _path(ws: Workspace, nonce: str) -> Path:
    return ws.root / "run" / f"ticket-{hashlib.sha256(nonce.encode()).hexdigest()}.json"


def issue(ws: Workspace, user: str) -> str:
    """A ticket for a child process to act as ``user`` (who is signed in here)."""
    nonce = secrets.token_urlsafe(32)
    path = _path(ws, nonce)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    sweep(ws)  # tickets a child never redeemed
    body = json.dumps({"user": user, "expires": time.time() + LIFETIME_S})
    atomic_write_text(path, body)
    path.chmod(0o600)
    return nonce


def redeem(ws: Workspace, user: str, nonce: str) -> str:
    """``user`` if ``nonce`` is a live ticket issued for ``user`` (used up either way);
    BadInput otherwise. Audited as a sign-in via a start ticket."""
    path = _path(ws, nonce)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
    except (OSError, ValueError):
        data = None
    problem = ""
    if not isinstance(data, dict):
        problem = "no such start ticket (used already, or never issued)"
    elif data.get("user") != user:
        problem = "the start ticket was issued for someone else"
    elif float(data.get("expires", 0)) < time.time():
        problem = "the start ticket expired"
    with db.write_transaction(ws.conn) as conn:
        audit.append(
            conn, user=user, role=ws.role_of(user), action=accounts.SIGN_IN, target=VIA,
            outcome="denied" if problem else "ok",
            details={"reason": problem} if problem else {},
        )  # fmt: skip
    if problem:
        raise BadInput(f"{ENV}: {problem}; start it again from the console window")
    return user


def sweep(ws: Workspace) -> int:
    """Remove expired tickets (a child that never started); returns how many."""
    removed = 0
    for path in (ws.root / "run").glob("ticket-*.json"):
        try:
            expired = float(json.loads(path.read_text())["expires"]) < time.time()
        except (OSError, ValueError, KeyError, TypeError):
            expired = True
        if expired:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
