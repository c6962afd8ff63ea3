"""The audit log: append-only, hash-chained, written in the change's own transaction.

Each entry's hash covers its fields and the previous entry's hash, so editing,
deleting or reordering an entry breaks the chain at that point; every N entries a
checkpoint is signed with the workspace's Ed25519 key (see
:mod:`console.core.security.checkpoints`), and after every commit the head is signed and
kept in the OS keyring (:mod:`console.core.security.anchor`), so truncation at any
depth and out-of-band changes of the security state show too. :func:`verify` names the
first entry that does not fit; without a keyring it says the log is not tamper-evident.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.base import access, clock, db, events
from console.core.base.crash import crash_point
from console.core.security import anchor, checkpoints

if TYPE_CHECKING:
    from console.core.base.jobs import JobContext

#: entries between progress reports of :func:`verify`
PROGRESS_EVERY = 2_000

GENESIS = "0" * 64
_HASHED = ("seq", "ts", "user", "role", "action", "target", "outcome", "details", "prev_hash")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str
    user: str
    role: str
    action: str
    target: str
    outcome: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    #: the operating-system user of the process that wrote the entry ("" before it was
    #: recorded); covered by the hash when present
    os_user: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _digest(fields: Sequence[object], os_user: str = "") -> str:
    """SHA-256 over an entry's fields (seq … prev_hash, then the OS user when recorded)
    in canonical JSON; entries written before the OS user was recorded keep their hash."""
    fields = [*fields, os_user] if os_user else list(fields)
    body = json.dumps(list(fields), separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    conn: sqlite3.Connection,
    *,
    user: str,
    role: str,
    action: str,
    target: str,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. The caller holds the write transaction of the change."""
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq = (last["seq"] + 1) if last else 1
    prev = last["hash"] if last else GENESIS
    ts = clock.iso()
    text = json.dumps(details or {}, sort_keys=True, default=str, ensure_ascii=False)
    os_name = access.os_user()
    digest = _digest([seq, ts, user, role, action, target, outcome, text, prev], os_name)
    conn.execute(
        "INSERT INTO audit (seq, ts, user, role, action, target, outcome, details, prev_hash,"
        " hash, os_user) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (seq, ts, user, role, action, target, outcome, text, prev, digest, os_name),
    )
    checkpoints.after_append(conn, seq, digest)
    db.mark_for_hook(conn)  # after the commit: anchor the new head (security.anchor)
    crash_point("audit.appended")
    events.after_commit(
        conn, "audit_appended", seq=seq, action=action, target=target, outcome=outcome
    )
    return AuditEntry(
        seq, ts, user, role, action, target, outcome, details or {}, prev, digest, os_name
    )


def entries(
    conn: sqlite3.Connection,
    *,
    limit: int | None = None,
    action: str | None = None,
    user: str | None = None,
    outcome: str | None = None,
    search: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[AuditEntry]:
    """Newest first. ``action`` matches the action or its family (``user`` matches
    ``user.set_role``); ``search`` is a case-insensitive substring of target, action,
    user or details; ``since``/``until`` are ISO timestamps (inclusive, exclusive)."""
    sql = "SELECT * FROM audit"
    where: list[str] = []
    args: list[Any] = []
    if action:
        where.append("(action = ? OR action LIKE ?)")
        args += [action, action + ".%"]
    if user:
        where.append("user = ?")
        args.append(user)
    if outcome:
        where.append("outcome = ?")
        args.append(outcome)
    if search:
        where.append(
            "(instr(lower(target), ?) OR instr(lower(action), ?) OR instr(lower(user), ?)"
            " OR instr(lower(details), ?))"
        )
        args += [search.lower()] * 4
    if since:
        where.append("ts >= ?")
        args.append(since)
    if until:
        where.append("ts < ?")
        args.append(until)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq DESC"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return [_entry(row) for row in conn.execute(sql, args)]


def _entry(row: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        row["seq"],
        row["ts"],
        row["user"],
        row["role"],
        row["action"],
        row["target"],
        row["outcome"],
        json.loads(row["details"]),
        row["prev_hash"],
        row["hash"],
        row["os_user"],
    )


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad: int | None
    reason: str
    checkpoints: int = 0
    signed_checkpoints: int = 0
    notes: list[str] = field(default_factory=list)
    #: False: nothing outside the workspace's files anchors the log (no usable keyring),
    #: so a consistent chain proves nothing against someone with file access
    tamper_evident: bool = False
    #: the entry the signed head in the keyring names (0: none)
    anchored_seq: int = 0
    #: security state changed outside the console ("users.bob: viewer -> admin")
    changes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """One word: "broken", "intact" (anchored) or "unprotected"."""
        if not self.ok:
            return "broken"
        return "intact" if self.tamper_evident else "unprotected"

    def summary(self) -> str:
        """One sentence for every place that reports the log (CLI, Audit page, Overview)."""
        if not self.ok:
            return f"Audit log BROKEN at entry {self.first_bad}: {self.reason}"
        if self.tamper_evident:
            return (
                f"Audit log intact: {self.entries} entries, signed head at entry "
                f"{self.anchored_seq} matches, security state as signed"
            )
        chained = f"{self.entries} entries chained"
        return f"Audit log NOT tamper-evident: {chained}, but {anchor.UNPROTECTED}"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"status": self.status, "summary": self.summary()}


def verify(conn: sqlite3.Connection, *, ctx: JobContext | None = None) -> ChainReport:
    """Walk the chain from the start, then the signed checkpoints; report the first
    entry that does not fit (an edit, deletion, reordering or truncation). As a job it
    reports progress every :data:`PROGRESS_EVERY` entries and can be cancelled."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    hashes: dict[int, str] = {}
    total = int(conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]) if ctx else 0
    for row in conn.execute("SELECT * FROM audit ORDER BY seq"):
        count += 1
        if ctx is not None and count % PROGRESS_EVERY == 0:
            ctx.progress(0.9 * count / max(total, 1), f"Checking entry {count:,} of {total:,}")
        if row["seq"] != expected_seq:
            return ChainReport(False, count, row["seq"], f"entry {expected_seq} is missing")
        if row["prev_hash"] != prev:
            return ChainReport(False, count, row["seq"], "does not follow the previous entry")
        digest = _digest([row[name] for name in _HASHED], row["os_user"])
        if digest != row["hash"]:
            return ChainReport(False, count, row["seq"], "content does not match its hash")
        prev = row["hash"]
        hashes[row["seq"]] = row["hash"]
        expected_seq += 1
    if count == 0:
        return ChainReport(False, 0, 1, "the log is empty: even the workspace's creation is gone")
    if ctx is not None:
        ctx.progress(0.9, "Checking the signed checkpoints")
    cps = checkpoints.check(conn, hashes)
    if not cps.ok:
        return ChainReport(False, count, cps.first_bad, cps.reason, cps.checkpoints, cps.signed)
    head = anchor.check(conn)
    if not head.ok:
        return ChainReport(
            False, count, head.first_bad, head.reason, cps.checkpoints, cps.signed,
            head.notes, head.anchored, head.head_seq, head.changes,
        )  # fmt: skip
    reason = "chain intact" + (f", {cps.signed} signed checkpoint(s) valid" if cps.signed else "")
    reason += ", signed head matches" if head.anchored else ", not anchored"
    return ChainReport(
        True, count, None, reason, cps.checkpoints, cps.signed, [*head.notes, *cps.notes],
        head.anchored, head.head_seq,
    )  # fmt: skip


def count(conn: sqlite3.Connection) -> int:
    """How many entries the log holds."""
    return int(conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])


def distinct_actors(conn: sqlite3.Connection) -> tuple[list[str], list[str]]:
    """The actions and the users that occur in the log, each sorted (for filters)."""
    actions = [r[0] for r in conn.execute("SELECT DISTINCT action FROM audit ORDER BY 1")]
    users = [r[0] for r in conn.execute("SELECT DISTINCT user FROM audit ORDER BY 1")]
    return actions, users
