"""Signed checkpoints of the audit chain: Ed25519 every N entries, so truncation shows.

The hash chain alone detects an edited, deleted or reordered entry, but not the loss of
the newest entries. Every ``checkpoint_every`` entries (20 by default) the entry's hash
is signed with the workspace's Ed25519 key and stored beside the log; :func:`check`
needs only the public key (kept in the workspace) to confirm that every checkpoint the
log should have is there, matches its entry and carries a valid signature. The private
key lives only in the OS keyring and is created at the first checkpoint.

Without a usable keyring a checkpoint is still written (it catches truncation against
an accidental loss) but unsigned, and ``verify`` says so; once the workspace has a
signing key, an unsigned checkpoint after that point is reported as tampering.
"""

from __future__ import annotations

import base64
import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from console.core.base import clock
from console.core.security import credentials, settings

log = logging.getLogger(__name__)

SIGNING_KEY = "audit-signing-key"
DEFAULT_EVERY = 20


def interval(conn: sqlite3.Connection) -> int:
    return max(1, int(settings.get(conn, "checkpoint_every", str(DEFAULT_EVERY))))


def _message(conn: sqlite3.Connection, seq: int, digest: str) -> bytes:
    return f"console-audit-checkpoint:{settings.workspace_id(conn)}:{seq}:{digest}".encode()


def key_from_text(stored: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored))


def private_key(conn: sqlite3.Connection, seq: int) -> Any:
    """This workspace's signing key from the keyring, made (and published) if absent;
    checkpoints from ``seq`` on must then be signed. The caller holds the write lock."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stored = credentials.keyring_get(conn, SIGNING_KEY)
    if stored:
        return key_from_text(stored)
    if settings.get(conn, "audit_public_key"):
        # The workspace has a public key but the keyring lost the private one: do not
        # silently start a new key (that would hide a swapped key); sign nothing.
        raise credentials.KeyringUnavailable.missing("the audit signing key")
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    credentials.keyring_set(conn, SIGNING_KEY, base64.b64encode(raw).decode("ascii"))
    settings.put(conn, "audit_public_key", public.hex())
    settings.put(conn, "signing_since", str(seq))
    return key


def after_append(conn: sqlite3.Connection, seq: int, digest: str) -> None:
    """Called by ``audit.append`` in the same transaction: checkpoint every N entries."""
    if seq % interval(conn) == 0:
        write_checkpoint(conn, seq, digest)


def write_checkpoint(conn: sqlite3.Connection, seq: int, digest: str) -> None:
    signature: str | None
    try:
        signature = private_key(conn, seq).sign(_message(conn, seq, digest)).hex()
    except credentials.KeyringUnavailable as exc:
        log.warning("audit checkpoint %d written unsigned: %s", seq, exc)
        signature = None
    conn.execute(
        "INSERT OR REPLACE INTO audit_checkpoints (seq, hash, ts, signature) VALUES (?,?,?,?)",
        (seq, digest, clock.iso(), signature),
    )


@dataclass
class CheckpointReport:
    ok: bool = True
    first_bad: int | None = None
    reason: str = ""
    checkpoints: int = 0
    signed: int = 0
    notes: list[str] = field(default_factory=list)


def check(conn: sqlite3.Connection, hashes: dict[int, str]) -> CheckpointReport:
    """Compare the checkpoints with the (already chain-verified) entries ``hashes``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    report = CheckpointReport()
    last = max(hashes, default=0)
    public_hex = settings.get(conn, "audit_public_key")
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)) if public_hex else None
    signing_since = int(settings.get(conn, "signing_since", "0") or 0)
    seen: set[int] = set()
    unsigned = 0

    def bad(seq: int, reason: str) -> CheckpointReport:
        report.ok, report.first_bad, report.reason = False, seq, reason
        return report

    for row in conn.execute("SELECT * FROM audit_checkpoints ORDER BY seq"):
        seq = int(row["seq"])
        report.checkpoints += 1
        seen.add(seq)
        if seq > last:
            return bad(
                last + 1,
                f"entries {last + 1}..{seq} are missing: the log was truncated "
                f"(a checkpoint covers entry {seq})",
            )
        if hashes[seq] != row["hash"]:
            return bad(seq, "does not match its signed checkpoint (the log was rewritten)")
        if row["signature"]:
            if public is None:
                return bad(seq, "checkpoint is signed but the workspace's public key is gone")
            try:
                public.verify(bytes.fromhex(row["signature"]), _message(conn, seq, row["hash"]))
            except (InvalidSignature, ValueError):
                return bad(seq, "checkpoint signature is not valid (forged or altered)")
            report.signed += 1
        elif public is not None and seq >= signing_since:
            return bad(seq, "checkpoint is unsigned although the workspace signs checkpoints")
        else:
            unsigned += 1
    every = interval(conn)
    start = int(settings.get(conn, "checkpoints_from", "0") or 0)
    for seq in range(every * (start // every + 1), last + 1, every):
        if seq not in seen:
            return bad(seq, "its checkpoint is missing (checkpoints were deleted)")
    if unsigned:
        report.notes.append(
            f"{unsigned} checkpoint(s) unsigned: no usable keyring when they were written"
        )
    if last and last % every:
        report.notes.append(
            f"the newest {last % every} entries are not yet covered by a checkpoint "
            f"(one every {every})"
        )
    return report


def exported(conn: sqlite3.Connection, root: Path | None = None) -> dict[str, Any]:
    """What a backup or export carries so a copy of the log can be checked: the public
    key, the checkpoints and the signed head from the keyring (None when unanchored)."""
    from console.core.security import anchor

    rows = conn.execute("SELECT seq, hash, ts, signature FROM audit_checkpoints ORDER BY seq")
    return {
        "workspace_id": settings.workspace_id(conn),
        "public_key": settings.get(conn, "audit_public_key") or None,
        "every": interval(conn),
        "checkpoints": [dict(r) for r in rows],
        "signed_head": anchor.signed_head(conn, root),
    }
