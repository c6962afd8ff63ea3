"""Listing snapshots, and restoring one into a new folder on behalf of a workspace user."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.backup import records, restore
from console.core.backup.repository import Repository, RepositoryError
from console.core.base import audit, db, events
from console.core.base.errors import BadInput, ConsoleError
from console.core.base.jobs import JobContext

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


def read_all(repo: Repository) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Every readable snapshot record, and what is wrong with the others."""
    found: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for name in repo.names("snapshots"):
        try:
            found[name] = repo.read_snapshot(name)
        except (RepositoryError, ValueError) as exc:
            problems.append(str(exc))
    return found, problems


def list_snapshots(ws: Workspace, repo: Repository) -> dict[str, Any]:
    """The repository's snapshots, newest first, with their last verify from the table."""
    found, problems = read_all(repo)
    records.sync(ws, repo, found)
    verify = {r.snapshot: r for r in records.rows(ws, repo.id) if r.snapshot}
    items = []
    for name, rec in sorted(found.items(), key=lambda kv: kv[1]["time"], reverse=True):
        row = verify.get(name)
        items.append(
            {
                **records.summary_of(rec),
                "short": name[:8],
                "workspace": rec.get("workspace"),
                "include_logs": rec["options"].get("include_logs", True),
                "verified_at": row.verified_at if row else None,
                "verify_result": row.verify_result if row else None,
                "verify_mode": row.verify_mode if row else None,
                "verify_message": row.verify_message if row else "",
            }
        )
    return {
        "repository": repo.id,
        "location": str(repo.path),
        "snapshots": items,
        "problems": problems,
    }


def restore_into(
    ws: Workspace,
    user: str,
    repo: Repository,
    snapshot: str,
    target: Path,
    *,
    only: list[str] | None = None,
    reason: str = "",
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Restore a snapshot into a new folder ``target`` (role admin, audited)."""
    ws.authorize(user, "backup.restore", str(target))
    target = target.expanduser().resolve()
    if target == ws.root or ws.root in target.parents:
        raise BadInput(f"{target}: inside the live workspace; restore into another folder")
    try:
        result = restore.restore_to(repo, snapshot, target, only=only, ctx=ctx)
    except BadInput as exc:
        audit_refusal(ws, user, str(target), exc)
        raise
    with ws.change(user, "backup.restore", str(target)) as ch:
        ch.details = {
            "repository": repo.id,
            "snapshot": result["snapshot"],
            "mode": "to",
            "only": only or [],
            "files": result["files"],
            "reason": reason,
        }
    events.publish("backup_verified", ws, snapshot=result["snapshot"], state="restored")
    return result


def audit_refusal(ws: Workspace, user: str, target: str, exc: Exception) -> None:
    """Audit a restore refused for damaged data (the refusal itself changed nothing)."""
    with db.write_transaction(ws.conn) as conn:
        audit.append(
            conn,
            user=user,
            role=ws.role_of(user),
            action="backup.restore",
            target=target,
            outcome="refused",
            details={"error": str(exc)},
        )


def run_backup(
    ws: Workspace,
    user: str,
    repo: str | Path | None = None,
    *,
    note: str = "",
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """What ``console backup create`` and the Backups page run: open the repository, make
    a snapshot, and (``verify_after_create``) read its data back. Every failure, including
    an unreachable drive or a wrong passphrase, is recorded for the backup_failed check."""
    from console.core.backup import create, locations, verify

    ctx = ctx or JobContext()
    ws.authorize(user, "backup.create", str(repo or ""))
    t = locations.target(ws, repo)
    try:
        repository = Repository.open(t.path, locations.passphrase(ws))
    except ConsoleError as exc:
        records.record_failed(ws, user, "", str(t.path), action="backup.create", exc=exc)
        raise
    options = create.CreateOptions(t.include_logs, t.include_tls_key, note)
    check = ws.config.backup.verify_after_create
    summary = create.create_snapshot(
        ws, user, repository, options=options, ctx=ctx.sub(0.0, 0.8 if check else 1.0)
    )
    summary["repository"] = t.name
    summary["location"] = str(t.path)
    if check:
        report = verify.verify_repository(
            ws, user, repository, only=[summary["snapshot"]], ctx=ctx.sub(0.8, 1.0)
        )
        summary["verified"] = report.ok
        summary["verify_problems"] = report.problems
    else:
        summary["verified"] = None
    return summary
