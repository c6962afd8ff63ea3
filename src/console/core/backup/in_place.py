"""Restore the live workspace from a snapshot, atomically, and what that would change.

The restored workspace is built and checked in a folder beside the live one; then the
scoring service is stopped, the two folders are exchanged in one step (Linux
``renameat2(RENAME_EXCHANGE)``; elsewhere two renames), the previous workspace is kept as
``<name>.before-restore-<time>``, and the service is started again on the restored
production model. A crash at any instant leaves the workspace folder holding either
the old workspace or the restored one, never a mix.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sqlite3
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.backup import contents, records, restore
from console.core.backup.repository import Repository
from console.core.base import audit, clock, db, events
from console.core.base.config import load_config
from console.core.base.crash import crash_point
from console.core.base.errors import BadInput
from console.core.base.files import fsync_dir
from console.core.base.jobs import JobContext
from console.core.security import anchor

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
#: folders of the live workspace carried into the restored one when the snapshot lacks them
_CARRIED = ("logs",)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _facts(conn: sqlite3.Connection) -> dict[str, Any]:
    conn.row_factory = sqlite3.Row
    models = {r["version"]: r["stage"] for r in conn.execute("SELECT version, stage FROM models")}
    datasets = {r["sha256"]: r["name"] for r in conn.execute("SELECT sha256, name FROM datasets")}
    head = conn.execute("SELECT MAX(seq) FROM audit").fetchone()[0] or 0
    return {"models": models, "datasets": datasets, "audit_seq": int(head)}


def preview(ws: Workspace, repo: Repository, snapshot: str) -> dict[str, Any]:
    """What restoring ``snapshot`` in place would change: models, config keys, datasets,
    and the audit entries written since the snapshot (kept in the set-aside folder)."""
    record = repo.read_snapshot(repo.resolve(snapshot))
    restore.check_restorable(record)
    by_name = {f["n"]: f for f in record["files"]}
    with tempfile.TemporaryDirectory(prefix="console-preview-") as tmp:
        wanted = [by_name[n] for n in (contents.DATABASE, "console.toml") if n in by_name]
        restore.write_files(repo, record, wanted, Path(tmp), JobContext())
        conn = sqlite3.connect(Path(tmp) / contents.DATABASE)
        try:
            then = _facts(conn)
        finally:
            conn.close()
        old_config = (Path(tmp) / "console.toml").read_text(encoding="utf-8")
    now = _facts(ws.conn)
    live_config = (ws.root / "console.toml").read_text(encoding="utf-8")
    a, b = _flatten(tomllib.loads(live_config)), _flatten(tomllib.loads(old_config))
    config_changes = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    model_changes = [
        {"version": v, "now": now["models"].get(v), "restored": then["models"].get(v)}
        for v in sorted(set(now["models"]) | set(then["models"]))
        if now["models"].get(v) != then["models"].get(v)
    ]
    datasets_gone = sorted(set(now["datasets"]) - set(then["datasets"]))
    datasets_back = sorted(set(then["datasets"]) - set(now["datasets"]))
    audit_since = max(now["audit_seq"] - int(record["audit_head"].get("seq", 0)), 0)
    lines = [f"Restoring snapshot {record['id'][:8]} of {record['time'][:19]} would change:"]
    lines += [
        f"  model {m['version']}: {m['now'] or 'absent'} -> {m['restored'] or 'absent'}"
        for m in model_changes
    ]
    lines += [f"  config {k}: {a.get(k)!r} -> {b.get(k)!r}" for k in config_changes]
    lines += [f"  dataset {d[:12]} ({now['datasets'][d]}): removed" for d in datasets_gone]
    lines += [f"  dataset {d[:12]} ({then['datasets'][d]}): back" for d in datasets_back]
    lines.append(
        f"  audit: {audit_since} entr{'y' if audit_since == 1 else 'ies'} written since "
        "(kept in the set-aside folder)"
    )
    return {
        "snapshot": record["id"],
        "time": record["time"],
        "models": model_changes,
        "config_keys": config_changes,
        "datasets_removed": datasets_gone,
        "datasets_back": datasets_back,
        "audit_entries_since": audit_since,
        "lines": lines,
    }


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step where the OS can; False when it cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return int(rc) == 0


def _carry(src: Path, dst: Path) -> None:
    """Hard-link (or copy) a folder of the live workspace into the staging one."""
    for folder, _dirs, files in os.walk(src):
        rel = Path(folder).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            target = dst / rel / name
            if target.exists():
                continue
            try:
                os.link(Path(folder) / name, target)
            except OSError:
                shutil.copy2(Path(folder) / name, target)


def restore_in_place(
    ws: Workspace,
    user: str,
    repo: Repository,
    snapshot: str,
    *,
    reason: str,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Replace the live workspace by ``snapshot`` (role admin); returns where the old one is.

    ``ws`` stays usable afterwards: its connections are reopened on the restored database.
    """
    from console.core.serving import control, state

    ctx = ctx or JobContext()
    ws.authorize(user, "backup.restore", str(ws.root))
    if not reason.strip():
        raise BadInput("--reason: say why the workspace is restored (it goes in the audit log)")
    record = repo.read_snapshot(repo.resolve(snapshot))
    restore.check_restorable(record)
    root = ws.root
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    kept = root.parent / f"{root.name}.before-restore-{stamp}"
    staging = _build_beside(ws, user, repo, record, ctx)
    details = {
        "repository": repo.id,
        "snapshot": record["id"],
        "mode": "in-place",
        "reason": reason,
        "kept_at": str(kept),
    }
    with ws.change(user, "backup.restore", str(root)) as ch:  # in the old log, kept aside
        ch.details = {**details, "phase": "swapping"}
    running = state.running_service(ws)
    if running is not None:
        ctx.progress(0.88, "Stopping the scoring service")
        try:
            control.stop_service(ws, user)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)  # the live workspace stays as it was
            raise
    ws.close()
    crash_point("restore.staged")
    ctx.progress(0.9, "Swapping the workspace")
    if _exchange(staging, root):
        fsync_dir(root.parent)
        crash_point("restore.swapped")
        os.rename(staging, kept)
    else:
        os.rename(root, kept)
        os.rename(staging, root)
    fsync_dir(root.parent)
    ws.config = load_config(root / "console.toml")
    with db.write_transaction(ws.conn) as conn:
        audit.append(
            conn, user=user, role=ws.role_of(user), action="backup.restore", target=str(root),
            details={**details, "phase": "restored"},
        )  # fmt: skip
    # the restored log ends before the signed head: anchor it as the admin just decided
    anchor.try_update(ws.conn, accept=True)
    from console.core.backup.snapshots import read_all

    records.sync(ws, repo, read_all(repo)[0])  # the restored table learns later snapshots
    result = {**details, "files": len(record["files"]), "service_restarted": False}
    if running is not None:
        ctx.progress(0.95, "Starting the scoring service on the restored model")
        control.start_service(ws, user, host=running.host, port=running.port)
        result["service_restarted"] = True
    ctx.progress(1.0, "Restored")
    events.publish("backup_verified", ws, snapshot=record["id"], state="restored")
    events.publish("config_changed", ws)
    return result


def _build_beside(
    ws: Workspace, user: str, repo: Repository, record: dict[str, Any], ctx: JobContext
) -> Path:
    """The restored workspace, complete and checked, in a folder beside the live one."""
    root = ws.root
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.restoring-", dir=root.parent))
    try:
        files = restore.selected_files(record, None)
        restore.write_files(repo, record, files, staging, ctx, span=(0.0, 0.8))
        _complete(ws, record, staging)
        ctx.progress(0.85, "Checking the restored workspace")
        restore.check_database(staging)
        load_config(staging / "console.toml")
        fsync_dir(staging)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, BadInput):
            from console.core.backup.snapshots import audit_refusal

            audit_refusal(ws, user, str(root), exc)
        raise
    return staging


def _complete(ws: Workspace, record: dict[str, Any], staging: Path) -> None:
    """Empty data folders, and what the snapshot leaves out by design (the console's own
    logs; the log parts and TLS key when this repository excludes them) from the live one."""
    for folder in ws.data_folders():
        try:
            rel = folder.relative_to(ws.root)
        except ValueError:
            continue
        (staging / rel).mkdir(parents=True, exist_ok=True)
    carried = list(_CARRIED)
    if (ws.root / ws.relative(ws.folder("backups"))).is_dir():
        carried.append(ws.relative(ws.folder("backups")))  # a repository may live there
    if not record["options"].get("include_logs", True):
        carried += [ws.relative(ws.folder("predictions")), ws.relative(ws.folder("labels"))]
    if not record["options"].get("include_tls_key", False):
        for key in (ws.root / "tls").glob("*.key"):
            (staging / "tls").mkdir(exist_ok=True)
            if not (staging / "tls" / key.name).exists():
                shutil.copy2(key, staging / "tls" / key.name)
    for name in carried:
        src = ws.root / name
        if src.is_dir() and not Path(name).is_absolute():
            _carry(src, staging / name)
    note = staging / "logs" / "restored-from.json"
    note.parent.mkdir(exist_ok=True)
    note.write_text(json.dumps({"snapshot": record["id"], "time": record["time"]}), "utf-8")
