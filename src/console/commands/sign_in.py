"""CLI sign-in where a workspace has console accounts.

With accounts off the acting user is ``CONSOLE_USER`` or the OS user, as always. With
accounts on, that name must prove its password: typed at a prompt (``getpass``), or,
for cron and scripts, read from the file named by ``CONSOLE_PASSWORD_FILE`` (one line;
refused unless only its owner can read it). The result is remembered for the process,
so a command that calls :func:`acting_user` again does not ask twice.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from console.commands import prompts
from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.security import accounts, start_ticket

PASSWORD_FILE_ENV = "CONSOLE_PASSWORD_FILE"
_signed_in: dict[tuple[str, str], str] = {}


def _ask(prompt: str) -> str:
    file = os.environ.get(PASSWORD_FILE_ENV)
    if file:
        path = Path(file).expanduser()
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                raise BadInput(f"{path}: password file must be readable by its owner only (0600)")
            return path.read_text(encoding="utf-8").rstrip("\n")
        except OSError as exc:
            raise BadInput(f"{path}: cannot read the password file: {exc.strerror}") from None
    return prompts.secret(prompt, hint=prompts.PASSWORD_FILE_HINT)


def acting_user(ws: Workspace, user: str, *, ticket: bool = False) -> str:
    """``user`` after signing in (once per process) when the workspace has accounts.

    ``ticket``: a process the console window started (``serve``, ``traffic``) signs in
    with the one-time start ticket in its environment, having no terminal to ask at.
    """
    key = (str(ws.root), user)
    if key not in _signed_in:
        nonce = os.environ.pop(start_ticket.ENV, "") if ticket else ""
        if nonce and accounts.enabled(ws):
            _signed_in[key] = start_ticket.redeem(ws, user, nonce)
        else:
            _signed_in[key] = accounts.cli_identity(ws, user, _ask)
    return _signed_in[key]
