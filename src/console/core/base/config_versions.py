"""Versions of console.toml: every change through the console is a new version.

A version keeps the whole text, who made it, when and why. :func:`save` is the one way
the console changes console.toml (validated like any load, written atomically, audited
``config.edit``); :func:`revert` saves an earlier version's text again, refused with the
reason when that text would not validate today. :func:`note_outside_edit` runs when a
workspace opens: a file whose bytes differ from the latest version was edited outside
the console and is recorded as such (source ``outside``).
"""

from __future__ import annotations

import difflib
import sqlite3
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import audit, clock, db, events, logs
from console.core.base.config import Config, parse_config
from console.core.base.errors import BadInput, ConfigError
from console.core.base.files import atomic_write_text, sha256_bytes

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

SOURCES = ("initial", "console", "outside", "revert")
OUTSIDE_USER = "(outside the console)"


@dataclass(frozen=True)
class ConfigVersion:
    version: int
    sha256: str
    text: str
    user: str
    created_at: str
    reason: str
    source: str

    def as_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        data = dict(self.__dict__)
        if not with_text:
            data.pop("text")
        return data


def record_initial(conn: sqlite3.Connection, user: str, text: str, reason: str) -> int:
    """Version 1 (inside the caller's transaction, e.g. the workspace's creation)."""
    return _insert(conn, text, user, reason, "initial")


def _insert(conn: sqlite3.Connection, text: str, user: str, reason: str, source: str) -> int:
    last = conn.execute("SELECT MAX(version) FROM config_versions").fetchone()[0]
    version = int(last or 0) + 1
    conn.execute(
        "INSERT INTO config_versions (version, sha256, text, user, created_at, reason, source)"
        " VALUES (?,?,?,?,?,?,?)",
        (version, _sha(text), text, user, clock.iso(), reason, source),
    )
    return version


def _sha(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def note_outside_edit(ws: Workspace) -> ConfigVersion | None:
    """Record the file as a new version if it differs from the latest (at open)."""
    text = ws.config_path.read_text(encoding="utf-8")
    latest = current(ws)
    if latest is not None and latest.sha256 == _sha(text):
        return None
    with db.write_transaction(ws.conn) as conn:
        latest = _latest(conn)  # re-read under the lock: another process may have noted it
        if latest is not None and latest.sha256 == _sha(text):
            return None
        if latest is None:
            reason = "first recorded version (the workspace predates configuration history)"
            version = _insert(conn, text, OUTSIDE_USER, reason, "initial")
        else:
            reason = "console.toml was edited outside the console; detected at start"
            version = _insert(conn, text, OUTSIDE_USER, reason, "outside")
        audit.append(
            conn, user=OUTSIDE_USER, role="-", action="config.edit", target="console.toml",
            details={"version": version, "source": "outside" if latest else "initial",
                     "changed": changed_keys(latest.text, text) if latest else []},
        )  # fmt: skip
    events.publish("config_changed", ws, version=version, source="outside")
    return get(ws, version)


def save(ws: Workspace, user: str, text: str, *, reason: str, source: str = "console") -> Config:
    """Validate ``text`` and make it console.toml's next version (role: admin)."""
    if not reason.strip():
        raise BadInput("a configuration change needs a reason")
    note_outside_edit(ws)  # an unnoticed outside edit is recorded before it is replaced
    before = current(ws)
    with ws.change(user, "config.edit", "console.toml") as ch:
        try:
            config = parse_config(text, "console.toml")
        except ConfigError as exc:
            raise ConfigError(f"refused: {exc}", problems=exc.problems) from None
        if before is not None and before.sha256 == _sha(text):
            raise BadInput("no change: the text is the current version's")
        version = _insert(ch.conn, text, user, reason.strip(), source)
        atomic_write_text(ws.config_path, text)
        ch.details = {
            "version": version,
            "source": source,
            "reason": reason.strip(),
            "changed": changed_keys(before.text, text) if before else [],
        }
    previous, ws.config = ws.config, config
    if config.logging != previous.logging:
        ws.log_file = logs.configure(config.logging, ws.root)
    events.publish("config_changed", ws, version=version, source=source)
    return config


def revert(ws: Workspace, user: str, version: int, *, reason: str) -> Config:
    """Make version ``version``'s text current again, as a new version (role: admin)."""
    old = get(ws, version)
    if old is None:
        raise BadInput(f"configuration version {version} does not exist")
    ws.authorize(user, "config.edit", "console.toml")
    try:
        parse_config(old.text, f"console.toml (version {version})")
    except ConfigError as exc:
        with ws.change(user, "config.edit", "console.toml"):
            raise BadInput(
                f"revert to version {version} refused: it would not validate: {exc}"
            ) from None
    why = reason.strip() or f"revert to version {version}"
    return save(ws, user, old.text, reason=f"revert to version {version}: {why}", source="revert")


def current(ws: Workspace) -> ConfigVersion | None:
    return _latest(ws.conn)


def _latest(conn: sqlite3.Connection) -> ConfigVersion | None:
    row = conn.execute("SELECT * FROM config_versions ORDER BY version DESC LIMIT 1").fetchone()
    return ConfigVersion(**dict(row)) if row else None


def get(ws: Workspace, version: int) -> ConfigVersion | None:
    row = ws.conn.execute("SELECT * FROM config_versions WHERE version = ?", (version,)).fetchone()
    return ConfigVersion(**dict(row)) if row else None


def require(ws: Workspace, version: int) -> ConfigVersion:
    found = get(ws, version)
    if found is None:
        known = [v.version for v in history(ws)]
        raise BadInput(
            f"configuration version {version} does not exist "
            f"(versions: {min(known, default=0)}..{max(known, default=0)})"
        )
    return found


def history(ws: Workspace) -> list[ConfigVersion]:
    """Every version, newest first."""
    rows = ws.conn.execute("SELECT * FROM config_versions ORDER BY version DESC")
    return [ConfigVersion(**dict(r)) for r in rows]


def in_force_at(ws: Workspace, iso: str) -> ConfigVersion | None:
    """The version that was current at ``iso`` (an ISO timestamp)."""
    row = ws.conn.execute(
        "SELECT * FROM config_versions WHERE created_at <= ? ORDER BY version DESC LIMIT 1",
        (iso,),
    ).fetchone()
    return ConfigVersion(**dict(row)) if row else None


def diff(ws: Workspace, a: int, b: int) -> dict[str, Any]:
    """Unified diff and the changed keys from version ``a`` to version ``b``."""
    old, new = require(ws, a), require(ws, b)
    lines = difflib.unified_diff(
        old.text.splitlines(), new.text.splitlines(),
        f"console.toml (version {a})", f"console.toml (version {b})", lineterm="",
    )  # fmt: skip
    return {"from": a, "to": b, "changed": changed_keys(old.text, new.text), "diff": list(lines)}


def changed_keys(old_text: str, new_text: str) -> list[dict[str, Any]]:
    """Dotted keys whose values differ, with both values (``None`` = absent)."""
    try:
        old, new = _flat(tomllib.loads(old_text)), _flat(tomllib.loads(new_text))
    except tomllib.TOMLDecodeError:
        return []
    keys = sorted(set(old) | set(new))
    return [
        {"key": k, "before": old.get(k), "after": new.get(k)}
        for k in keys
        if old.get(k) != new.get(k)
    ]


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name + "."))
        else:
            out[name] = value
    return out
