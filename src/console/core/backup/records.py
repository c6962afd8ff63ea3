"""The ``backups`` table: what was made, where, by whom, and how its last verify went.

Every create, verify, forget and restore is audited here in the same transaction as its
row. The daily checks read the table (``console.core.monitoring.partners``):
``backup_age`` the newest snapshot whose last verify passed and that is still in its
repository, ``backup_failed`` the newest failure no later success has cleared.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import audit, clock, db
from console.core.base.errors import PermissionDenied

if TYPE_CHECKING:
    from console.core.backup.repository import Repository
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class BackupRow:
    id: int
    repository: str
    location: str
    snapshot: str | None
    created_at: str
    created_by: str
    state: str
    message: str
    files: int
    size_bytes: int
    added_bytes: int
    contents: dict[str, Any]
    schema_version: int | None
    verified_at: str | None
    verify_result: str | None
    verify_mode: str | None
    verify_message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _row(r: Any) -> BackupRow:
    data = dict(r)
    data["contents"] = json.loads(data["contents"] or "{}")
    return BackupRow(**data)


def summary_of(record: dict[str, Any]) -> dict[str, Any]:
    s = record["summary"]
    return {
        "snapshot": record["id"],
        "time": record["time"],
        "user": record["user"],
        "host": record["host"],
        "files": s["files"],
        "bytes": s["bytes"],
        "added_bytes": s["added_bytes"],
        "contents": s["contents"],
        "schema_version": record["schema_version"],
        "audit_head": record["audit_head"].get("seq", 0),
    }


def record_created(
    ws: Workspace, user: str, repo: Repository, record: dict[str, Any]
) -> dict[str, Any]:
    """Store the new snapshot's row and its audit entry; return its summary."""
    summary = summary_of(record)
    with ws.change(user, "backup.create", f"{repo.path}#{record['id'][:8]}") as ch:
        _upsert(ch.conn, repo, record)
        ch.details = {
            "repository": repo.id,
            "snapshot": record["id"],
            "files": summary["files"],
            "bytes": summary["bytes"],
            "added_bytes": summary["added_bytes"],
        }
    return summary


def _upsert(conn: Any, repo: Repository, record: dict[str, Any]) -> None:
    """Insert or refresh a snapshot's row; snapshots of other workspaces sharing the
    repository are theirs to record, never counted here."""
    from console.core.security import settings

    if record.get("workspace_id") != settings.workspace_id(conn):
        return
    s = record["summary"]
    conn.execute(
        "INSERT INTO backups (repository, location, snapshot, created_at, created_by, state,"
        " files, size_bytes, added_bytes, contents, schema_version)"
        " VALUES (?,?,?,?,?,'ok',?,?,?,?,?)"
        " ON CONFLICT(repository, snapshot) DO UPDATE SET location = excluded.location,"
        " state = CASE WHEN backups.state = 'forgotten' THEN 'ok' ELSE backups.state END",
        (
            repo.id,
            str(repo.path),
            record["id"],
            record["time"],
            record["user"],
            s["files"],
            s["bytes"],
            s["added_bytes"],
            json.dumps(s["contents"]),
            record["schema_version"],
        ),
    )


def record_failed(
    ws: Workspace, user: str, repository: str, location: str, *, action: str, exc: Exception
) -> None:
    """A failed create: a row the backup_failed check sees, and an audit entry."""
    if isinstance(exc, PermissionDenied):
        return
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    with db.write_transaction(ws.conn) as conn:
        conn.execute(
            "INSERT INTO backups (repository, location, snapshot, created_at, created_by, state,"
            " message) VALUES (?,?,NULL,?,?,'failed',?)",
            (repository, location, clock.iso(), user, message),
        )
        audit.append(
            conn,
            user=user,
            role=ws.role_of(user),
            action=action,
            target=location,
            outcome="refused",
            details={"error": message},
        )


def record_verify(
    ws: Workspace,
    user: str,
    repo: Repository,
    *,
    results: dict[str, tuple[bool, str]],
    records: dict[str, dict[str, Any]],
    mode: str,
) -> None:
    """Each checked snapshot's result, in one audited change."""
    now = clock.iso()
    failed = sorted(k for k, (ok, _) in results.items() if not ok)
    with ws.change(user, "backup.verify", str(repo.path)) as ch:
        for name, (ok, message) in results.items():
            if name in records:
                _upsert(ch.conn, repo, records[name])
            ch.conn.execute(
                "UPDATE backups SET verified_at = ?, verify_result = ?, verify_mode = ?,"
                " verify_message = ? WHERE repository = ? AND snapshot = ?",
                (now, "ok" if ok else "failed", mode, message, repo.id, name),
            )
        ch.details = {
            "repository": repo.id,
            "mode": mode,
            "checked": len(results),
            "failed": [f[:12] for f in failed],
        }


def sync(ws: Workspace, repo: Repository, records: dict[str, dict[str, Any]]) -> None:
    """Rows for snapshots found in ``repo`` (e.g. made before a restore); rows of snapshots
    no longer there marked forgotten. Bookkeeping, not a change of state: not audited."""
    with db.write_transaction(ws.conn) as conn:
        for record in records.values():
            _upsert(conn, repo, record)
        present = set(records)
        for r in conn.execute(
            "SELECT id, snapshot FROM backups WHERE repository = ? AND state = 'ok'", (repo.id,)
        ).fetchall():
            if r["snapshot"] not in present:
                conn.execute("UPDATE backups SET state = 'forgotten' WHERE id = ?", (r["id"],))


def mark_forgotten(conn: Any, repo: Repository, names: list[str]) -> None:
    conn.executemany(
        "UPDATE backups SET state = 'forgotten' WHERE repository = ? AND snapshot = ?",
        [(repo.id, n) for n in names],
    )


def rows(ws: Workspace, repository: str | None = None, limit: int = 500) -> list[BackupRow]:
    sql = "SELECT * FROM backups"
    params: tuple[Any, ...] = ()
    if repository:
        sql += " WHERE repository = ?"
        params = (repository,)
    sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
    return [_row(r) for r in ws.conn.execute(sql, (*params, limit))]
