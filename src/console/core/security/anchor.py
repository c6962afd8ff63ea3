"""The signed audit head, kept in the OS keyring: the end of the log is anchored.

A hash chain shows an edited or deleted entry, but not that the newest entries were cut
off; signed checkpoints in the database do not either, because whoever cuts the log can
cut the checkpoints with it. So after every commit that appended to the log, the
console signs the head — sequence number, hash and the security state (users, roles,
passwords, security switches, the config's ``[access]`` section and
``[service] open_on_loopback``) — with the
workspace's Ed25519 key and stores it in the OS keyring, outside the workspace's
files. :func:`check` then finds:

- truncation at any depth, with or without checkpoints: the log ends before the
  signed head, or the entry there has another hash;
- a rewritten log (the signed head's entry differs), a replaced public key, a swapped
  database (the keyring knows this folder as another workspace);
- security state changed outside the console: differences from the signed state that
  no audit entry since accounts for (see :mod:`.security_state`).

The head is only ever moved forward and only over changes the log explains; an
unexplained change keeps its signed value, so the finding stays until an admin undoes
the edit or accepts it (``console audit reanchor``, itself audited).

This protects against anyone who can edit the workspace's files but not read and write
the OS user's keyring; the OS user who owns both, and root, can forge anything (see the
threat model in the README). Without a usable keyring nothing is anchored, and every
report says the log is not tamper-evident against someone with file access.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from console.core.base import clock, db
from console.core.base.crash import crash_point
from console.core.base.errors import BadInput
from console.core.security import checkpoints, credentials, settings
from console.core.security import security_state as state_

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)

HEAD_KEY: Final = "audit-head"
MESSAGE_PREFIX: Final = "console-audit-head:"
UNPROTECTED: Final = (
    "no usable OS keyring holds this log's signed head, so it is NOT tamper-evident against "
    "someone with write access to the workspace's files (entries can be cut off or rewritten "
    "and the chain recomputed)"
)


@dataclass(frozen=True)
class AnchorContext:
    """What the anchor needs beyond the database: the folder and the config's security
    items as they are now (:func:`.security_state.config_items`)."""

    root: Path | None  # None while a workspace is being created in a staging folder
    config: Callable[[], dict[str, str]]


_contexts: dict[int, AnchorContext] = {}


def attach(
    conn: sqlite3.Connection, root: Path | None, config: Callable[[], dict[str, str]]
) -> None:
    """Anchor this connection's audit appends (the workspace calls this per connection);
    ``config()`` gives the config's security items when a head is signed or checked."""
    _contexts[id(conn)] = AnchorContext(root, config)
    db.set_commit_hook(conn, _after_commit)


def detach(conn: sqlite3.Connection) -> None:
    _contexts.pop(id(conn), None)
    db.set_commit_hook(conn, None)


def context(conn: sqlite3.Connection) -> AnchorContext | None:
    return _contexts.get(id(conn))


def _after_commit(conn: sqlite3.Connection) -> None:
    crash_point("audit.committed")
    try_update(conn)


def try_update(conn: sqlite3.Connection, *, accept: bool = False) -> None:
    """:func:`update` where the change is already committed: a keyring that cannot
    anchor (absent, locked, without this workspace's key) is logged, never raised."""
    try:
        update(conn, accept=accept)
    except (credentials.KeyringUnavailable, sqlite3.Error) as exc:
        log.warning("audit head not anchored: %s", exc)
    except Exception as exc:
        errors = sys.modules.get("keyring.errors")  # (none raised where it was not imported)
        if errors is None or not isinstance(exc, errors.KeyringError):
            raise
        log.warning("audit head not anchored: %s", exc)


# ---------------------------------------------------------------------- the record
def _index_name(root: Path) -> str:
    return f"workspace-at:{root}"


def _message(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "signature"}
    return (MESSAGE_PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":"))).encode()


def _head_key(root: Path) -> str:
    """The keyring entry of the head: per workspace (its service) and per folder, so a
    restored or copied workspace elsewhere is anchored on its own, never against the
    original's newer head."""
    return f"{HEAD_KEY}:{root}"


def read(conn: sqlite3.Connection, root: Path | None = None) -> dict[str, Any] | None:
    """The signed head this keyring holds for the workspace in ``root`` (default: the
    connection's workspace folder; None: none, or no folder known)."""
    ctx = context(conn)
    root = root or (ctx.root if ctx is not None else None)
    if root is None:
        return None
    text = credentials.keyring_get(conn, _head_key(root))
    if not text:
        return None
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return {"corrupt": True}
    return record if isinstance(record, dict) else {"corrupt": True}


def _public_hex(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return str(raw.hex())


def _signature_ok(record: dict[str, Any], public_hex: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        public.verify(bytes.fromhex(str(record.get("signature", ""))), _message(record))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _head(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row["seq"]), str(row["hash"])) if row else (0, "")


def _entries_after(conn: sqlite3.Connection, seq: int) -> list[tuple[str, str, str]]:
    """(action, target, outcome) of the entries after ``seq``; an entry written for no
    console user (role "-": an edit of console.toml noticed at open) explains nothing."""
    rows = conn.execute(
        "SELECT action, target, outcome, role FROM audit WHERE seq > ? ORDER BY seq", (seq,)
    )
    return [
        (r["action"], r["target"], r["outcome"] if r["role"] != "-" else "noticed") for r in rows
    ]


def _entry_hash(conn: sqlite3.Connection, seq: int) -> str | None:
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()
    return str(row["hash"]) if row else None


# ---------------------------------------------------------------------- writing
def update(conn: sqlite3.Connection, *, accept: bool = False) -> dict[str, Any] | None:
    """Move the signed head to the log's head (under the write lock, after a commit).

    Only forward, and only over what the log explains: if the log no longer reaches
    the signed head, or the security state changed without an entry saying so, the
    old values stay signed — unless ``accept`` (``console audit reanchor``).
    """
    ctx = context(conn)
    if ctx is None or ctx.root is None or not credentials.keyring_usable():
        return None
    with db.write_transaction(conn):
        seq, digest = _head(conn)
        if not seq:
            return None
        key = checkpoints.private_key(conn, seq + 1)
        public_hex = settings.get(conn, "audit_public_key")
        if public_hex != _public_hex(key) and not accept:
            return None  # the public key was replaced: leave the evidence as it is
        old = read(conn)
        now = state_.current(conn, ctx.config())
        anchored = now
        if old and not old.get("corrupt") and not accept:
            if int(old.get("seq", 0)) > seq or _entry_hash(conn, int(old["seq"])) != old["hash"]:
                return None  # truncated or rewritten below the head: keep the evidence
            if int(old["seq"]) == seq and old.get("state") == now:
                _index(ctx, conn)
                return old
            prefixes = state_.explained_by(_entries_after(conn, int(old["seq"])))
            anchored = state_.advance(old.get("state", {}), now, prefixes)
        record: dict[str, Any] = {
            "v": 1,
            "workspace_id": settings.workspace_id(conn),
            "seq": seq,
            "hash": digest,
            "ts": clock.iso(),
            "state": anchored,
        }
        record["signature"] = key.sign(_message(record)).hex()
        assert ctx.root is not None  # read() found no head without one
        credentials.keyring_set(conn, _head_key(ctx.root), json.dumps(record, sort_keys=True))
        _index(ctx, conn)
    return record


def _index(ctx: AnchorContext, conn: sqlite3.Connection) -> None:
    """Remember in the keyring which workspace this folder holds."""
    if ctx.root is None:
        return
    import keyring  # (a usable keyring: imported already)
    import keyring.errors

    name, wsid = _index_name(ctx.root), settings.workspace_id(conn)
    try:
        if keyring.get_password(settings.KEYRING_PREFIX, name) != wsid:
            keyring.set_password(settings.KEYRING_PREFIX, name, wsid)
    except keyring.errors.KeyringError as exc:
        log.warning("keyring index not written: %s", exc)


def claim_folder(root: Path, conn: sqlite3.Connection) -> None:
    """A new workspace at ``root`` replaces whatever the keyring knew there."""
    if credentials.keyring_usable():
        _index(AnchorContext(root, dict), conn)


# ---------------------------------------------------------------------- checking
@dataclass
class AnchorReport:
    """``ok`` False: tampering found (``reason``); ``anchored`` False: nothing to check
    against, so the log is not tamper-evident against file access (``notes`` say why)."""

    ok: bool = True
    anchored: bool = False
    first_bad: int | None = None
    reason: str = ""
    head_seq: int = 0
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def described(self) -> str:
        """The finding for a banner: the reason, or the changes one per line."""
        if self.changes:
            return "security state changed outside the console:" + "".join(
                f"\n  • {change}" for change in self.changes
            )
        return self.reason

    def fail(self, reason: str, first_bad: int | None = None) -> AnchorReport:
        self.ok, self.reason, self.first_bad = False, reason, first_bad
        return self


def check(conn: sqlite3.Connection) -> AnchorReport:
    """Compare the log and the security state with the signed head in the keyring."""
    report = AnchorReport()
    if not credentials.keyring_usable():
        report.notes.append(UNPROTECTED)
        return report
    import keyring  # (a usable keyring: imported already)

    ctx = context(conn)
    wsid = settings.workspace_id(conn)
    if ctx is not None and ctx.root is not None:
        known = keyring.get_password(settings.KEYRING_PREFIX, _index_name(ctx.root))
        if known and known != wsid:
            return report.fail(
                f"this folder held workspace {known} but its database now says {wsid}: the "
                "database was replaced or its workspace id edited"
            )
    record = read(conn)
    stored_key = credentials.keyring_get(conn, checkpoints.SIGNING_KEY)
    public_hex = settings.get(conn, "audit_public_key")
    if record is None:
        # Files alone cannot remove a keyring entry: this keyring never anchored this
        # workspace (another OS user, another machine, a reset keyring).
        report.notes.append(
            "this keyring holds no signed head of this workspace (made by another OS user or "
            "on another machine?), so here the log is NOT tamper-evident against someone "
            "with write access to its files"
        )
        return report
    if record.get("corrupt") or record.get("workspace_id") != wsid:
        return report.fail("the signed audit head in the keyring is unreadable")
    if not stored_key:
        return report.fail("the audit signing key is missing from the keyring")
    key_public = _public_hex(checkpoints.key_from_text(stored_key))
    if public_hex != key_public:
        return report.fail("the audit public key in the database was replaced or removed")
    if not _signature_ok(record, key_public):
        return report.fail("the signed audit head's signature is not valid (forged or altered)")
    report.anchored = True
    anchored_seq = int(record["seq"])
    seq, _digest = _head(conn)
    report.head_seq = anchored_seq
    here = _entry_hash(conn, anchored_seq)
    if here is None:
        return report.fail(
            f"the log ends at entry {seq} but its signed head is entry {anchored_seq}: "
            f"entries {seq + 1}..{anchored_seq} were cut off (the log was truncated)",
            seq + 1,
        )
    if here != record["hash"]:
        return report.fail(
            f"entry {anchored_seq} differs from the signed head (the log was rewritten)",
            anchored_seq,
        )
    later = _entries_after(conn, anchored_seq)
    if later:
        report.notes.append(
            f"the newest {len(later)} entr{'y is' if len(later) == 1 else 'ies are'} past the "
            f"signed head (entry {anchored_seq}): written where no keyring was usable, or just "
            "before a crash; they are chained but not anchored"
        )
    config = ctx.config() if ctx is not None else _anchored_config(record)
    now = state_.current(conn, config)
    diffs = state_.unexplained(record.get("state", {}), now, state_.explained_by(later))
    if diffs:
        report.changes = [d.text() for d in diffs]
        return report.fail(
            "security state changed outside the console: " + "; ".join(report.changes)
        )
    return report


def _anchored_config(record: dict[str, Any]) -> dict[str, str]:
    """Without the config at hand, take its items as signed (so they are not compared)."""
    items = record.get("state", {})
    return {k: v for k, v in items.items() if k.startswith(state_.CONFIG_PREFIXES)}


def signed_head(conn: sqlite3.Connection, root: Path | None = None) -> dict[str, Any] | None:
    """The signed head, for exports and backups (None: unanchored). ``root`` names the
    workspace folder when ``conn`` is a copy of its database (a backup's)."""
    try:
        record = read(conn, root)
    except credentials.KeyringUnavailable:
        return None
    if not record or record.get("corrupt"):
        return None
    return {
        "workspace_id": record.get("workspace_id"),
        "seq": record.get("seq"),
        "hash": record.get("hash"),
        "ts": record.get("ts"),
        "state": record.get("state"),
        "signature": record.get("signature"),
        "public_key": settings.get(conn, "audit_public_key") or None,
        "message_prefix": MESSAGE_PREFIX,
    }


def reanchor(ws: Workspace, user: str, reason: str) -> AnchorReport:
    """Accept the log's end and the security state as they are now (role admin).

    For after a finding was investigated: the edit was undone where it could be, or
    what remains is accepted. Audited (``audit.reanchor``) with what was found and
    why; returns the finding that was accepted.
    """
    reason = reason.strip()
    if not reason:
        raise BadInput("say why the audit head is re-anchored (--reason)")
    if not credentials.keyring_usable():
        raise credentials.KeyringUnavailable("the audit head can only be anchored in a keyring")
    found = check(ws.conn)
    with ws.change(user, "audit.reanchor", "audit") as ch:
        ch.details = {
            "reason": reason,
            "finding": found.reason or "none",
            "changes": found.changes,
            "previous_head": found.head_seq,
        }
    update(ws.conn, accept=True)
    ws.integrity = check(ws.conn)
    return found
