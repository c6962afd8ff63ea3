"""Export the audit log for an auditor: JSON (with checkpoints, verifiable elsewhere)
or CSV, plain or encrypted with a passphrase the auditor chooses. The export is itself
an audited action (``audit.export``: auditor, admin)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from console.core.base import audit, clock
from console.core.base.errors import BadInput
from console.core.base.files import atomic_write_bytes, sha256_bytes
from console.core.security import checkpoints, crypto

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

FORMATS: Final = ("json", "csv")
_COLUMNS: Final = (
    "seq", "ts", "user", "os_user", "role", "action", "target", "outcome", "details"
)  # fmt: skip


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    entries: int
    encrypted: bool
    sha256: str
    chain_ok: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def render(ws: Workspace, fmt: str, entries: list[audit.AuditEntry], user: str) -> bytes:
    oldest_first = list(reversed(entries))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*_COLUMNS, "prev_hash", "hash"])
        for e in oldest_first:
            row = e.as_dict()
            row["details"] = json.dumps(e.details, sort_keys=True, ensure_ascii=False)
            writer.writerow([row[c] for c in (*_COLUMNS, "prev_hash", "hash")])
        return out.getvalue().encode("utf-8")
    document = {
        "exported_at": clock.iso(),
        "exported_by": user,
        "verify": audit.verify(ws.conn).as_dict(),
        "checkpoints": checkpoints.exported(ws.conn),
        "entries": [e.as_dict() for e in oldest_first],
    }
    return json.dumps(document, indent=1, ensure_ascii=False, default=str).encode("utf-8")


def export_audit(
    ws: Workspace,
    user: str,
    path: Path,
    *,
    fmt: str = "json",
    passphrase: str | None = None,
    filters: dict[str, Any] | None = None,
) -> ExportResult:
    """Write the (filtered) log to ``path``; encrypted when a passphrase is given.

    ``filters`` are keyword arguments of :func:`console.core.base.audit.entries` (action,
    user, outcome, search, since, until).
    """
    if fmt not in FORMATS:
        raise BadInput(f"export format {fmt!r} is not one of {', '.join(FORMATS)}")
    path = Path(path).expanduser()
    if path.is_dir():
        raise BadInput(f"{path}: is a folder; give a file name")
    if not path.parent.is_dir():
        raise BadInput(f"{path.parent}: folder does not exist")
    filters = {k: v for k, v in (filters or {}).items() if v}
    target = str(path)
    with ws.change(user, "audit.export", target) as ch:
        entries = audit.entries(ch.conn, **filters)
        data = render(ws, fmt, entries, user)
        if passphrase is not None:
            data = crypto.encrypt_bytes(None, data, passphrase=passphrase)
        atomic_write_bytes(path, data)
        digest = sha256_bytes(data)
        ch.details = {
            "format": fmt,
            "entries": len(entries),
            "encrypted": passphrase is not None,
            "sha256": digest,
            "filters": filters,
        }
    chain_ok = audit.verify(ws.conn).ok
    return ExportResult(target, fmt, len(entries), passphrase is not None, digest, chain_ok)
