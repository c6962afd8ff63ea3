"""Plain events from the core: state changes announce themselves; listeners subscribe.

Events flow up, calls flow down: a core function ends a state change by calling
:func:`publish` with one of :data:`NAMES`; whoever shows or reacts to that state (a GUI
page, the alert engine, a test) subscribes with :func:`subscribe`. Nothing in the core
imports what listens to it, and a listener that raises never breaks the change that
published the event (the error is logged).

Delivery is synchronous, on the thread that published; a Qt view re-posts to its own
thread (see ``console.gui.events``). Changes made by *another process* (the CLI, cron,
the scoring service) publish nothing here: :func:`change_counter` reads SQLite's
``data_version``, which moves whenever another connection commits, so a poller off the
GUI thread notices them and publishes ``external_change``.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Every event the core publishes. A name not listed here is a programming error.
NAMES: frozenset[str] = frozenset(
    {
        "ingested",  # a batch of predictions or labels was stored (or refused)
        "report_stored",  # a daily check report was stored
        "deployed",  # production changed: promote or rollback
        "registered",  # a model version was registered
        "alerts_changed",  # an alert opened, changed state, was acknowledged or silenced
        "audit_appended",  # an audit entry was written
        "job_finished",  # a recorded job ended (ok, failed or cancelled)
        "config_changed",  # console.toml changed through the console
        "service_changed",  # the scoring service started, stopped or swapped models
        "backup_verified",  # a backup snapshot was created or verified
        "drift_analysed",  # a drift analysis (data or concept) was stored
        "security_changed",  # users, roles or security settings changed
        "external_change",  # another process committed to the database
        "documents_changed",  # a runbook or the recovery contacts got a new version
        "runbook_step",  # a step of a runbook run was recorded (or the run finished)
    }
)


#: audited action (or its family before the first dot) -> the event it stands for
ACTION_EVENTS: dict[str, str] = {
    "ingest": "ingested",
    "check.run": "report_stored",
    "drift.run": "drift_analysed",
    "alert": "alerts_changed",
    "model.promote": "deployed",
    "model.rollback": "deployed",
    "model.register": "registered",
    "model.import_pickle": "registered",
    "service.control": "service_changed",
    "config.edit": "config_changed",
    "backup": "backup_verified",
    "user": "security_changed",
    "credential": "security_changed",
}


#: the action families whose event :meth:`Workspace.change` publishes itself; the others'
#: core functions publish theirs with more detail (deployed, config_changed, …)
CHANGE_PUBLISHES: frozenset[str] = frozenset(
    {"alert", "check.run", "drift.run", "service.control", "user", "credential"}
)


def event_for(action: str) -> str | None:
    """The event an audited ``action`` stands for (None: only ``audit_appended``)."""
    return ACTION_EVENTS.get(action) or ACTION_EVENTS.get(action.split(".", 1)[0])


def published_by_change(action: str) -> str | None:
    """The event :meth:`Workspace.change` publishes for ``action`` (None: the core
    function publishes its own, or there is none)."""
    if action in CHANGE_PUBLISHES or action.split(".", 1)[0] in CHANGE_PUBLISHES:
        return event_for(action)
    return None


@dataclass(frozen=True)
class Event:
    """One event: its name, the workspace folder it concerns, and plain details."""

    name: str
    workspace: str
    details: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Event], None]

_lock = threading.Lock()
_listeners: dict[str, list[Listener]] = {}


def subscribe(name: str, listener: Listener) -> Callable[[], None]:
    """Call ``listener(event)`` for every event ``name`` (``"*"``: every event).

    Returns a function that unsubscribes (call it when the view closes).
    """
    if name != "*" and name not in NAMES:
        raise ValueError(f"unknown event {name!r}")
    with _lock:
        _listeners.setdefault(name, []).append(listener)

    def unsubscribe() -> None:
        with _lock:
            found = _listeners.get(name, [])
            if listener in found:
                found.remove(listener)

    return unsubscribe


def publish(name: str, workspace: object, **details: Any) -> Event:
    """Deliver an event to its listeners; ``workspace`` is a Workspace or its folder."""
    if name not in NAMES:
        raise ValueError(f"unknown event {name!r}")
    root = getattr(workspace, "root", workspace)
    event = Event(name, str(root), dict(details))
    with _lock:
        targets = [*_listeners.get(name, []), *_listeners.get("*", [])]
    for listener in targets:
        try:
            listener(event)
        except Exception:  # a broken view must not undo or hide a state change
            log.exception("listener for %s failed", name)
    return event


# ---------------------------------------------------------------------- after commit
#: events waiting for their transaction to commit, by connection
_waiting: dict[int, list[tuple[str, dict[str, Any]]]] = {}


def after_commit(conn: sqlite3.Connection, name: str, **details: Any) -> None:
    """Publish ``name`` once the write transaction open on ``conn`` commits.

    A listener that reads the database then sees the change (another thread's
    connection would not see it before the commit); a rollback drops the event.
    Outside a transaction the event goes out at once.
    """
    if name not in NAMES:
        raise ValueError(f"unknown event {name!r}")
    if not conn.in_transaction:
        publish(name, workspace_of(conn), **details)
        return
    with _lock:
        _waiting.setdefault(id(conn), []).append((name, details))


def committed(conn: sqlite3.Connection) -> None:
    """The transaction on ``conn`` committed: publish what waited for it."""
    with _lock:
        waiting = _waiting.pop(id(conn), [])
    if not waiting:
        return
    root = workspace_of(conn)
    for name, details in waiting:
        publish(name, root, **details)


def rolled_back(conn: sqlite3.Connection) -> None:
    """The transaction on ``conn`` rolled back: nothing it announced happened."""
    with _lock:
        _waiting.pop(id(conn), None)


def workspace_of(conn: sqlite3.Connection) -> str:
    """The workspace folder of a workspace database connection (the file's folder)."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main" and row[2]:
            return str(Path(row[2]).parent)
    return ""


def change_counter(conn: sqlite3.Connection) -> int:
    """SQLite's ``data_version``: moves when *another* connection commits."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def clear() -> None:
    """Drop every listener (tests)."""
    with _lock:
        _listeners.clear()
        _waiting.clear()
