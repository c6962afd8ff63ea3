"""Who may do what. The check lives here, in the core, so CLI and GUI refuse alike.

Roles: viewer (read-only), operator (day-to-day operations), auditor (read and export
the audit log), admin (everything). A user not in the workspace's ``users`` table acts
with the configured default role (viewer unless the site says otherwise).
"""

from __future__ import annotations

import getpass
import os
import sqlite3
from typing import Final

from console.core.base.errors import EXIT_DENIED, ConsoleError

ROLES: Final = ("viewer", "operator", "auditor", "admin")

_OPS: Final = frozenset({"operator", "admin"})
_ADMIN: Final = frozenset({"admin"})
_AUDIT: Final = frozenset({"auditor", "admin"})

#: action -> roles that may perform it. Every state-changing core function names one.
ACTIONS: Final[dict[str, frozenset[str]]] = {
    # data pipeline
    "ingest": _OPS,
    "job.run": _OPS,
    "schedule.edit": _ADMIN,
    "dataset.create": _OPS,
    # models and the scoring service
    "model.register": _ADMIN,
    "model.import_pickle": _ADMIN,
    "model.promote": _ADMIN,
    "model.adopt_threshold": _ADMIN,
    "model.retrain": _OPS,  # registers a candidate only; promoting it needs an admin
    "model.rollback": _OPS,  # to a version that was in production before
    "model.verify": _OPS,
    "service.control": _OPS,
    # monitoring
    "check.run": _OPS,
    "drift.run": _OPS,
    "report.export": _OPS | _AUDIT,
    "alert.ack": _OPS,
    "alert.silence": _OPS,
    "alert.evaluate": _OPS,
    # backups
    "backup.create": _OPS,
    "backup.verify": _OPS,
    "backup.restore": _ADMIN,
    "backup.init": _ADMIN,
    "backup.prune": _ADMIN,
    "backup.forget": _ADMIN,
    "backup.export_key": _ADMIN,
    "backup.recover": _ADMIN,
    # administration
    "config.edit": _ADMIN,
    "system.update": _ADMIN,
    "user.set_role": _ADMIN,
    "user.manage": _ADMIN,
    "credential.set": _ADMIN,
    "audit.read": _AUDIT,
    "audit.export": _AUDIT,
    "audit.reanchor": _ADMIN,  # accept the log and security state as they are now
    # runbooks and workspace documents
    "runbook.run": _OPS,
    "document.edit": _ADMIN,
}


#: security setting: may ``CONSOLE_USER`` name someone other than the OS user?
OVERRIDE_SETTING: Final = "console_user_override"


class IdentityRefused(ConsoleError):
    """``CONSOLE_USER`` names someone else and the workspace does not allow that."""

    exit_code = EXIT_DENIED


def os_user() -> str:
    """The operating-system user running this process (recorded in every audit entry)."""
    return getpass.getuser()


def current_user() -> str:
    """Who this process asks to act as: ``CONSOLE_USER`` if set, else the OS user.
    Honoured only through :func:`resolve_user` (the workspace decides)."""
    return os.environ.get("CONSOLE_USER") or os_user()


def resolve_user(requested: str, override_allowed: bool) -> str:
    """``requested`` if it is the OS user, or if the workspace allows ``CONSOLE_USER`` to
    name someone else (the demo, tests, a service account's scripts); else refused."""
    actual = os_user()
    if requested == actual or override_allowed:
        return requested
    raise IdentityRefused(
        f"CONSOLE_USER={requested} is not the operating-system user ({actual}) and this "
        "workspace does not let anyone act under another name; an admin allows it with "
        "'console security console-user on'"
    )


def role_of(conn: sqlite3.Connection, user: str, default_role: str) -> str:
    row = conn.execute("SELECT role FROM users WHERE name = ?", (user,)).fetchone()
    return str(row["role"]) if row else default_role


def allowed(role: str, action: str) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")  # a programming error, not input
    return role in ACTIONS[action]
