"""Versioned workspace documents: runbooks and the recovery contacts.

A document is a name, a kind and a sequence of versions; each version keeps the whole
text, its author, time and the reason for the change. Version 1 of a shipped document
is the default the console ships (author ``(shipped default)``). An edit (admin,
audited ``document.edit``) is validated by the caller's ``validate`` before it is stored
and becomes the next version; nothing is ever overwritten, so any two versions can be
diffed.
"""

from __future__ import annotations

import difflib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import clock, db, events
from console.core.base.errors import BadInput
from console.core.base.files import sha256_bytes

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

SHIPPED = "(shipped default)"


@dataclass(frozen=True)
class Document:
    name: str
    version: int
    kind: str
    sha256: str
    text: str
    user: str
    created_at: str
    reason: str

    def as_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        data = dict(self.__dict__)
        if not with_text:
            data.pop("text")
        return data


def _insert(
    conn: sqlite3.Connection, *, name: str, kind: str, text: str, user: str, reason: str
) -> int:
    last = conn.execute("SELECT MAX(version) FROM documents WHERE name = ?", (name,)).fetchone()
    version = int(last[0] or 0) + 1
    conn.execute(
        "INSERT INTO documents (name, version, kind, sha256, text, user, created_at, reason)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (name, version, kind, sha256_bytes(text.encode("utf-8")), text, user, clock.iso(),
         reason),
    )  # fmt: skip
    return version


def seed(ws: Workspace, kind: str, defaults: dict[str, str]) -> list[str]:
    """Store the shipped defaults that the workspace does not have yet (version 1)."""
    have = {r["name"] for r in ws.conn.execute("SELECT DISTINCT name FROM documents")}
    missing = {n: t for n, t in defaults.items() if n not in have}
    if not missing:
        return []
    with db.write_transaction(ws.conn) as conn:
        have = {r["name"] for r in conn.execute("SELECT DISTINCT name FROM documents")}
        added = [n for n in missing if n not in have]
        for name in added:
            _insert(conn, name=name, kind=kind, text=missing[name], user=SHIPPED,
                    reason="shipped with the console")  # fmt: skip
    return added


def save(
    ws: Workspace,
    user: str,
    name: str,
    kind: str,
    text: str,
    *,
    reason: str,
    validate: Callable[[str], object] | None = None,
) -> Document:
    """Store ``text`` as the next version of ``name`` (role: admin)."""
    if not reason.strip():
        raise BadInput(f"an edit of {name} needs a reason")
    with ws.change(user, "document.edit", f"{kind}:{name}") as ch:
        if validate is not None:
            validate(text)
        latest = _latest(ch.conn, name)
        if latest is not None and latest.kind != kind:
            raise BadInput(f"{name} is a {latest.kind}, not a {kind}")
        if latest is not None and latest.text == text:
            raise BadInput(f"no change: the text is version {latest.version} of {name}")
        version = _insert(ch.conn, name=name, kind=kind, text=text, user=user,
                          reason=reason.strip())  # fmt: skip
        ch.details = {"version": version, "reason": reason.strip(), "kind": kind}
    events.publish("documents_changed", ws, document=name, version=version)
    found = get(ws, name, version)
    assert found is not None
    return found


def _latest(conn: sqlite3.Connection, name: str) -> Document | None:
    row = conn.execute(
        "SELECT * FROM documents WHERE name = ? ORDER BY version DESC LIMIT 1", (name,)
    ).fetchone()
    return Document(**dict(row)) if row else None


def get(ws: Workspace, name: str, version: int | None = None) -> Document | None:
    """A version of ``name`` (the latest when ``version`` is None)."""
    if version is None:
        return _latest(ws.conn, name)
    row = ws.conn.execute(
        "SELECT * FROM documents WHERE name = ? AND version = ?", (name, version)
    ).fetchone()
    return Document(**dict(row)) if row else None


def require(ws: Workspace, name: str, version: int | None = None) -> Document:
    found = get(ws, name, version)
    if found is None:
        if get(ws, name) is None:
            raise BadInput(f"{name!r} does not exist (known: {', '.join(names(ws)) or 'none'})")
        raise BadInput(f"{name} has no version {version}")
    return found


def names(ws: Workspace, kind: str | None = None) -> list[str]:
    sql = "SELECT DISTINCT name FROM documents"
    rows = ws.conn.execute(sql + (" WHERE kind = ?" if kind else "") + " ORDER BY name",
                           (kind,) if kind else ())  # fmt: skip
    return [r["name"] for r in rows]


def versions(ws: Workspace, name: str) -> list[Document]:
    """Every version of ``name``, newest first."""
    rows = ws.conn.execute("SELECT * FROM documents WHERE name = ? ORDER BY version DESC", (name,))
    return [Document(**dict(r)) for r in rows]


def diff(ws: Workspace, name: str, a: int, b: int) -> list[str]:
    """Unified diff of two versions of ``name``."""
    old, new = require(ws, name, a), require(ws, name, b)
    return list(
        difflib.unified_diff(
            old.text.splitlines(),
            new.text.splitlines(),
            f"{name} (version {a})",
            f"{name} (version {b})",
            lineterm="",
        )
    )


@dataclass(frozen=True)
class RecoveryContacts:
    """The recovery contacts as the alert escalation reads them: people by name and,
    per escalation level (1 = the first step), the names to reach."""

    people: dict[str, dict[str, str]]
    levels: dict[int, list[str]]

    def at_level(self, level: int) -> list[dict[str, str]]:
        return [self.people[n] for n in self.levels.get(level, []) if n in self.people]


def recovery_contacts(conn: sqlite3.Connection) -> RecoveryContacts:
    """The latest ``contacts`` document, read leniently: alerting never fails on it (an
    admin's edit is validated when saved; an unreadable one yields no contacts)."""
    import tomllib

    row = conn.execute(
        "SELECT text FROM documents WHERE name = 'contacts' ORDER BY version DESC LIMIT 1"
    ).fetchone()
    try:
        data = tomllib.loads(row["text"]) if row else {}
    except tomllib.TOMLDecodeError:
        data = {}
    people = {
        str(p["name"]): {k: str(v) for k, v in p.items()}
        for p in data.get("contact", [])
        if isinstance(p, dict) and p.get("name")
    }
    levels: dict[int, list[str]] = {}
    for n, step in enumerate(data.get("escalation", []), start=1):
        if isinstance(step, dict):
            level = step.get("level", n)
            levels[int(level) if isinstance(level, int) else n] = [
                str(c) for c in step.get("contacts", [])
            ]
    return RecoveryContacts(people, levels)
