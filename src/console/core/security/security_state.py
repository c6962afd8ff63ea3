"""The workspace's security state, as items the signed audit head covers.

Who has which role, who has a password, the security switches, the config's
``[access]`` section and its other security keys (:data:`CONFIG_KEYS`: who may call the
scoring service) decide what anyone may do, so a change to any of them must be an
audited change. :func:`current` flattens them into items (``users.bob = "operator"``,
``settings.accounts_enabled = "1"``, ``access.default_role = "viewer"``,
``service.open_on_loopback = "False"``); the signed
audit head in the keyring keeps the items as they were after the last audited change,
and :func:`unexplained` lists the differences no audit entry since then accounts for —
an edit made outside the console (``UPDATE users SET role='admin'``, a hand-edited
``console.toml``), reported by ``console audit verify`` and at start.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

#: settings the console writes itself, outside any audited change (covered otherwise:
#: the public key is compared with the keyring's private key)
UNCOVERED_SETTINGS: Final = frozenset({"audit_public_key", "signing_since"})
SCHEMA: Final = "schema.version"
ABSENT: Final = "(absent)"
#: console.toml keys outside [access] that are security state, with their defaults (a
#: head signed before a key was covered lacks it: the default then is no change)
CONFIG_KEYS: Final = {"service.open_on_loopback": "False"}
#: item prefixes of the config's security state ([access] is covered whole)
CONFIG_PREFIXES: Final = ("access.", *sorted({k.split(".")[0] + "." for k in CONFIG_KEYS}))


def config_items(config: Any) -> dict[str, str]:
    """The security items of a :class:`console.core.base.config.Config`."""
    items = {f"access.{k}": str(v) for k, v in config.access.model_dump().items()}
    for key in CONFIG_KEYS:
        section, name = key.split(".")
        items[key] = str(getattr(getattr(config, section), name))
    return items


def current(conn: sqlite3.Connection, config: Mapping[str, Any] | None) -> dict[str, str]:
    """The security state now, one string per item; ``config``: the config's items
    (:func:`config_items`)."""
    items: dict[str, str] = {}
    for row in conn.execute("SELECT name, role FROM users"):
        items[f"users.{row['name']}"] = str(row["role"])
    for row in conn.execute("SELECT name, salt, hash, params FROM accounts"):
        text = f"{row['salt']}:{row['hash']}:{row['params']}"
        items[f"accounts.{row['name']}"] = (
            "password " + hashlib.sha256(text.encode()).hexdigest()[:16]
        )
    for row in conn.execute("SELECT key, value FROM security_settings"):
        if row["key"] not in UNCOVERED_SETTINGS:
            items[f"settings.{row['key']}"] = str(row["value"])
    for key, value in (config or {}).items():
        items[key] = str(value)
    items[SCHEMA] = _schema(conn)
    return items


def _schema(conn: sqlite3.Connection) -> str:
    """Which migrations the database has applied (a schema upgrade may add settings)."""
    try:
        rows = conn.execute("SELECT number FROM schema_migrations ORDER BY number").fetchall()
    except sqlite3.OperationalError:
        return str(conn.execute("PRAGMA user_version").fetchone()[0])
    return ",".join(str(r[0]) for r in rows)


def may_change(action: str, target: str) -> tuple[str, ...]:
    """Item prefixes an ``ok`` audit entry of ``action`` on ``target`` may have changed."""
    if action == "workspace.init":
        return ("",)
    if action == "user.set_role":
        return (f"users.{target}",)
    if action == "user.manage":
        if target.startswith("account:"):
            return (f"accounts.{target.removeprefix('account:')}",)
        return ("settings.accounts_enabled",)
    if action == "config.edit":
        if target.startswith("security."):
            return (f"settings.{target.removeprefix('security.')}",)
        return (*CONFIG_PREFIXES, "settings.")
    if action == "audit.reanchor":
        return ("",)
    return ()


def explained_by(entries: Iterable[tuple[str, str, str]]) -> tuple[str, ...]:
    """Prefixes the entries (action, target, outcome) account for."""
    prefixes: list[str] = []
    for action, target, outcome in entries:
        if outcome == "ok":
            prefixes += may_change(action, target)
    return tuple(prefixes)


@dataclass(frozen=True)
class Difference:
    item: str
    before: str
    after: str

    def text(self) -> str:
        return f"{self.item}: {self.before} -> {self.after}"


def differences(before: Mapping[str, str], after: Mapping[str, str]) -> list[Difference]:
    out = []
    for item in sorted(set(before) | set(after)):
        old, new = before.get(item, ABSENT), after.get(item, ABSENT)
        if old != new:
            out.append(Difference(item, old, new))
    return out


def _covered(item: str, prefixes: tuple[str, ...]) -> bool:
    """An empty prefix covers every item, "access." the items under it, "users.bob" itself."""
    return any(p in ("", item) or (p.endswith(".") and item.startswith(p)) for p in prefixes)


def unexplained(
    anchored: Mapping[str, str], now: Mapping[str, str], prefixes: tuple[str, ...]
) -> list[Difference]:
    """Differences between the anchored state and ``now`` that no entry accounts for.

    A schema upgrade (the schema version item changed) accounts for settings it added;
    a config key covered since the head was signed accounts for itself at its default.
    """
    upgraded = anchored.get(SCHEMA) != now.get(SCHEMA)
    out = []
    for diff in differences(anchored, now):
        if diff.item == SCHEMA or _covered(diff.item, prefixes):
            continue
        if upgraded and diff.item.startswith("settings.") and diff.before == ABSENT:
            continue
        if diff.before == ABSENT and CONFIG_KEYS.get(diff.item) == diff.after:
            continue
        out.append(diff)
    return out


def advance(
    anchored: Mapping[str, str], now: Mapping[str, str], prefixes: tuple[str, ...]
) -> dict[str, str]:
    """The state to anchor next: ``now``, except that unexplained changes keep their
    anchored value, so an out-of-band edit stays visible until an admin accepts it."""
    state = dict(now)
    for diff in unexplained(anchored, now, prefixes):
        if diff.before == ABSENT:
            state.pop(diff.item, None)
        else:
            state[diff.item] = diff.before
    return state
