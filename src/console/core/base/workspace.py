"""A workspace: one folder with console.toml, the SQLite database and the data folders.

``Workspace.open`` validates the config and migrates the database; ``Workspace.create``
builds a new one in a temporary sibling folder and renames it into place, so a crash
during creation leaves no half-made workspace. State changes go through
:meth:`Workspace.change`, which checks the acting user's role and writes the audit
entry in the same transaction as the change.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.core.base import access, audit, clock, config_versions, db, events, logs, orphans
from console.core.base.config import Config, default_config_text, load_config, parse_config
from console.core.base.crash import crash_point
from console.core.base.errors import BadInput, ConfigError, PermissionDenied, WorkspaceError
from console.core.base.files import atomic_write_text
from console.core.security import anchor, credentials, security_state, settings

log = logging.getLogger(__name__)

CONFIG_FILE = "console.toml"
DB_FILE = "console.db"
#: whether a new workspace lets CONSOLE_USER name someone other than the OS user (off;
#: the demo turns it on, and the test suite for the workspaces it makes)
ALLOW_CONSOLE_USER = False


@dataclass
class Change:
    """An open state change: its transaction, who acts, and what the audit will say."""

    conn: sqlite3.Connection
    user: str
    role: str
    action: str
    target: str
    details: dict[str, Any] = field(default_factory=dict)
    #: details of the event the change publishes once committed (see events.event_for)
    event: dict[str, Any] = field(default_factory=dict)


class Workspace:
    """An open workspace. Each thread gets its own database connection."""

    def __init__(self, root: Path, config: Config, *, staging: bool = False) -> None:
        self.root = root
        self.config = config
        self.staging = staging  # being created: its folder is not yet where it will live
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.log_file = logs.configure(config.logging, root)
        #: what the sweep at open removed (files left by crashed ingests)
        self.swept = orphans.SweepResult()
        #: the audit head and security state against the keyring, checked at open
        self.integrity = anchor.AnchorReport()
        self._security_config: tuple[tuple[int, int, int], dict[str, str]] | None = None

    # ------------------------------------------------------------------ open/create
    @classmethod
    def open(cls, root: Path, *, check_head: bool = True) -> Workspace:
        """Open the workspace at ``root``. ``check_head=False`` leaves the audit log's
        head check (:meth:`check_audit_head`) to the caller, who runs it soon after: the
        window does, once painted, as the keyring's backend search takes ~0.1 s."""
        ws = cls.reader(root)
        ws.conn  # noqa: B018 - connect now so a bad database is reported at open
        ws.sweep_orphans()
        if check_head:
            ws.check_audit_head()
        ws.note_config_edit()
        return ws

    @classmethod
    def reader(cls, root: Path) -> Workspace:
        """The workspace at ``root`` for a process that only reads on behalf of one that
        opened it (see :mod:`console.core.base.job_process`): none of the upkeep of
        :meth:`open` (orphan sweep, audit head check, configuration history), which
        that one did and which must not run twice at once."""
        root = root.expanduser().resolve()
        if not (root / CONFIG_FILE).is_file():
            raise WorkspaceError(
                f"{root}: not a console workspace (no {CONFIG_FILE}); create one with "
                "'console init'"
            )
        return cls(root, load_config(root / CONFIG_FILE))

    def check_audit_head(self) -> anchor.AnchorReport:
        """At open: the log's end and the security state against the signed head in the
        keyring (a quick check; ``audit.verify`` walks the whole chain too). A log never
        anchored in this keyring (made before anchoring existed) is anchored now."""
        try:
            if credentials.keyring_usable() and anchor.read(self.conn) is None:
                anchor.update(self.conn)
            self.integrity = anchor.check(self.conn)
        except (credentials.KeyringUnavailable, sqlite3.Error) as exc:
            self.integrity = anchor.AnchorReport(notes=[f"{anchor.UNPROTECTED} ({exc})"])
        if not self.integrity.ok:
            log.critical("audit log or security state tampered with: %s", self.integrity.reason)
        return self.integrity

    def sweep_orphans(self) -> orphans.SweepResult:
        """Remove files crashed ingests left (see :mod:`console.core.base.orphans`).

        Run at every open; a sweep that cannot write (a read-only copy, a viewer's
        account without write permission) is logged and leaves the files for later.
        """
        try:
            self.swept = orphans.sweep(self)
        except (OSError, sqlite3.Error) as exc:
            log.warning("orphan sweep skipped: %s", exc)
        return self.swept

    def note_config_edit(self) -> None:
        """Record console.toml as a new version when it was edited outside the console
        (see :mod:`console.core.base.config_versions`); a read-only copy logs it."""
        try:
            config_versions.note_outside_edit(self)
        except (OSError, sqlite3.Error) as exc:
            log.warning("configuration history not updated: %s", exc)

    @classmethod
    def create(
        cls,
        root: Path,
        user: str,
        *,
        config_text: str | None = None,
        populate: Callable[[Workspace], None] | None = None,
        config_source: str | None = None,
    ) -> Workspace:
        """Create a workspace at ``root`` (absent or an empty folder) with ``user`` as admin.

        ``populate`` (e.g. the demo builder) runs on the new workspace before it is
        moved into place: if it fails or is cancelled, nothing appears at ``root``.
        ``config_source`` names where ``config_text`` was read, for its errors.
        """
        root = root.expanduser().resolve()
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            what = "a workspace" if (root / CONFIG_FILE).exists() else "not empty"
            raise WorkspaceError(f"{root}: already exists and is {what}; choose another folder")
        text = config_text if config_text is not None else default_config_text()
        config = parse_config(text, config_source or CONFIG_FILE)
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.creating-", dir=root.parent))
        try:
            atomic_write_text(staging / CONFIG_FILE, text)
            ws = cls(staging, config, staging=True)
            for folder in ws.data_folders():
                folder.mkdir(parents=True, exist_ok=True)
            with db.write_transaction(ws.conn) as conn:
                conn.execute(
                    "INSERT INTO users (name, role, created_at, created_by) VALUES (?,?,?,?)",
                    (user, "admin", clock.iso(), user),
                )
                if ALLOW_CONSOLE_USER:
                    settings.put(conn, access.OVERRIDE_SETTING, "1")
                audit.append(
                    conn,
                    user=user,
                    role="admin",
                    action="workspace.init",
                    target=str(root),
                    details={"config_version": config.config_version},
                )
                config_versions.record_initial(conn, user, text, "workspace created")
            if populate:
                populate(ws)
            ws.close()
            if root.exists():
                root.rmdir()
            os.replace(staging, root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        log.info("created workspace %s for %s", root, user)
        ws = cls(root, config)
        anchor.claim_folder(root, ws.conn)  # a new workspace here, whatever was here before
        ws.close()
        return cls.open(root)

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                anchor.detach(conn)
                conn.close()
            self._conns.clear()
        self._local = threading.local()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ paths
    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = db.connect(self.root / DB_FILE, create=True)
            root = None if self.staging else self.root
            anchor.attach(conn, root, self.security_config)
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def security_config(self) -> dict[str, str]:
        """The config's security items as console.toml holds them now: re-read when the
        file changed (a save, another process, an edit outside the console), so the
        signed head states what the next start will enforce."""
        try:
            stat = self.config_path.stat()
            seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)  # a save replaces the inode
            if self._security_config is None or self._security_config[0] != seen:
                items = security_state.config_items(load_config(self.config_path))
                self._security_config = (seen, items)
            return self._security_config[1]
        except (OSError, ConfigError):  # unreadable or invalid: what this process uses
            return security_state.config_items(self.config)

    def folder(self, name: str) -> Path:
        """A data folder named in [paths] (relative to the workspace unless absolute)."""
        path = Path(getattr(self.config.paths, name))
        return path if path.is_absolute() else self.root / path

    def relative(self, path: Path) -> str:
        """How the database records a path: relative to the workspace when inside it."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def data_folders(self) -> list[Path]:
        return [self.folder(n) for n in type(self.config.paths).model_fields]

    # ------------------------------------------------------------------ access
    def resolve_user(self, requested: str) -> str:
        """The user this process acts as (see :func:`access.resolve_user`)."""
        return access.resolve_user(requested, settings.flag(self.conn, access.OVERRIDE_SETTING))

    def role_of(self, user: str) -> str:
        return access.role_of(self.conn, user, self.config.access.default_role)

    def authorize(self, user: str, action: str, target: str = "") -> str:
        """Return ``user``'s role if it may do ``action``; else audit the denial and raise."""
        role = self.role_of(user)
        if not access.allowed(role, action):
            with db.write_transaction(self.conn) as conn:
                audit.append(
                    conn, user=user, role=role, action=action, target=target, outcome="denied"
                )
            raise PermissionDenied(user, role, action)
        return role

    @contextmanager
    def change(self, user: str, action: str, target: str) -> Iterator[Change]:
        """One audited state change: role check, work, audit entry, one transaction;
        once committed, the event the action stands for is published
        (:func:`events.event_for`, details from ``ch.event``).

        A BadInput raised inside rolls the change back and is itself audited as refused.
        """
        self.authorize(user, action, target)
        conn = self.conn
        try:
            with db.write_transaction(conn):
                role = self.role_of(user)  # re-read under the write lock
                if not access.allowed(role, action):
                    raise PermissionDenied(user, role, action)
                ch = Change(conn, user, role, action, target)
                yield ch
                audit.append(
                    conn, user=user, role=role, action=action, target=target, details=ch.details
                )
                name = events.published_by_change(action)
                if name is not None:
                    events.after_commit(conn, name, action=action, target=target, **ch.event)
        except BadInput as exc:
            with db.write_transaction(conn):
                audit.append(
                    conn,
                    user=user,
                    role=self.role_of(user),
                    action=action,
                    target=target,
                    outcome="refused",
                    details={"error": str(exc)},
                )
            raise

    def set_role(self, user: str, name: str, role: str) -> None:
        """Give ``name`` a role (admin only)."""
        if role not in access.ROLES:
            raise BadInput(f"role {role!r} is not one of {', '.join(access.ROLES)}")
        with self.change(user, "user.set_role", name) as ch:
            before = ch.conn.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
            admins = ch.conn.execute("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetchone()
            if before and before["role"] == "admin" and role != "admin" and admins[0] == 1:
                raise BadInput(f"{name} is the last admin; make someone else admin first")
            ch.conn.execute(
                "INSERT INTO users (name, role, created_at, created_by) VALUES (?,?,?,?) "
                "ON CONFLICT(name) DO UPDATE SET role = excluded.role",
                (name, role, clock.iso(), user),
            )
            ch.details = {"before": before["role"] if before else None, "after": role}
            crash_point("user.set_role")

    def users(self) -> list[dict[str, str]]:
        rows = self.conn.execute(
            "SELECT name, role, created_at, created_by FROM users ORDER BY name"
        )
        return [dict(r) for r in rows]
