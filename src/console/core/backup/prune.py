"""Retention: forget snapshots the policy does not keep, then free the data nobody uses.

The policy is restic's: keep the newest ``last`` snapshots, and the newest snapshot of
each of the last ``daily`` days, ``weekly`` ISO weeks and ``monthly`` months (per
workspace). Freeing space never loses a chunk a kept snapshot needs, even if the
process is killed at any instant: snapshot records go first; packs that still hold
used chunks are rewritten into new packs; one new index listing every kept chunk is
written; only then are the old index files deleted, and after them the old packs. A
crash leaves at worst packs nobody references, which the next prune deletes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.backup import records
from console.core.backup.repository import PACK_TARGET, Repository, RepositoryError
from console.core.backup.snapshots import read_all
from console.core.base import events
from console.core.base.crash import crash_point
from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class Policy:
    last: int = 7
    daily: int = 14
    weekly: int = 8
    monthly: int = 12

    def __post_init__(self) -> None:
        values = (self.last, self.daily, self.weekly, self.monthly)
        if any(v < 0 for v in values):
            raise BadInput("--keep-*: must not be negative")
        if not any(values):
            raise BadInput("the retention policy keeps nothing: give at least one --keep-* > 0")


def select(found: dict[str, dict[str, Any]], policy: Policy) -> tuple[list[str], list[str]]:
    """(keep, forget) snapshot names under ``policy``, per workspace, newest first."""
    groups: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for name, rec in found.items():
        groups[str(rec.get("workspace_id"))].append((name, dt.datetime.fromisoformat(rec["time"])))
    keep: set[str] = set()
    for items in groups.values():
        items.sort(key=lambda x: x[1], reverse=True)
        keep.update(n for n, _ in items[: policy.last])
        for count, bucket in (
            (policy.daily, lambda t: t.strftime("%Y-%m-%d")),
            (policy.weekly, lambda t: f"{t.isocalendar()[0]}-W{t.isocalendar()[1]:02d}"),
            (policy.monthly, lambda t: t.strftime("%Y-%m")),
        ):
            seen: list[str] = []
            for name, when in items:
                key = bucket(when)
                if key in seen:
                    continue
                if len(seen) >= count:
                    break
                seen.append(key)
                keep.add(name)
    ordered = sorted(found, key=lambda n: found[n]["time"], reverse=True)
    return [n for n in ordered if n in keep], [n for n in ordered if n not in keep]


def prune(
    ws: Workspace,
    user: str,
    repo: Repository,
    policy: Policy,
    *,
    dry_run: bool = False,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Apply ``policy`` to ``repo`` and free unused data (role admin, audited)."""
    ctx = ctx or JobContext()
    ws.authorize(user, "backup.prune", str(repo.path))
    with repo.locked("prune"):
        found, problems = read_all(repo)
        if problems:
            raise BadInput(f"cannot prune: {problems[0]}; verify, then forget that snapshot")
        keep, forget = select(found, policy)
        result: dict[str, Any] = {"keep": keep, "forget": forget, "dry_run": dry_run}
        if dry_run:
            return result
        for name in forget:
            repo.delete(repo.path / "snapshots" / name)
        crash_point("prune.snapshots_forgotten")
        ctx.progress(0.05, f"Forgot {len(forget)} snapshot(s)")
        result.update(collect_garbage(repo, {n: found[n] for n in keep}, ctx.sub(0.05, 1.0)))
    with ws.change(user, "backup.prune", str(repo.path)) as ch:
        records.mark_forgotten(ch.conn, repo, forget)
        ch.details = {
            "repository": repo.id,
            "policy": vars(policy),
            "forgotten": [n[:12] for n in forget],
            "freed_bytes": result["freed_bytes"],
        }
    events.publish("backup_verified", ws, repository=repo.id, state="pruned")
    return result


def forget(
    ws: Workspace, user: str, repo: Repository, snapshot: str, *, prune_now: bool = False
) -> dict[str, Any]:
    """Remove one snapshot record (role admin, audited); ``prune_now`` frees its data too."""
    ws.authorize(user, "backup.forget", str(repo.path))
    with repo.locked("forget"):
        name = repo.resolve(snapshot)
        repo.delete(repo.path / "snapshots" / name)
        result: dict[str, Any] = {"snapshot": name, "freed_bytes": 0}
        if prune_now:
            found, problems = read_all(repo)
            if problems:
                raise BadInput(f"forgotten, but not pruned: {problems[0]}")
            result.update(collect_garbage(repo, found, JobContext()))
    with ws.change(user, "backup.forget", f"{repo.path}#{name[:8]}") as ch:
        records.mark_forgotten(ch.conn, repo, [name])
        ch.details = {"repository": repo.id, "snapshot": name, "freed_bytes": result["freed_bytes"]}
    events.publish("backup_verified", ws, repository=repo.id, state="forgotten")
    return result


def collect_garbage(
    repo: Repository, kept: dict[str, dict[str, Any]], ctx: JobContext
) -> dict[str, Any]:
    """Delete packs no kept snapshot uses; rewrite packs that are partly used."""
    used = {cid for rec in kept.values() for f in rec["files"] for cid in f["k"]}
    index_files = repo.names("index")
    packs: dict[str, list[list[Any]]] = {}
    for name in index_files:
        for pack, entries in repo.read_index_file(name).items():
            packs.setdefault(pack, []).extend(entries)
    on_disk = set(repo.pack_names())
    before = sum(repo.pack_path(p).stat().st_size for p in on_disk)
    new_index: dict[str, list[list[Any]]] = {}
    placed: set[str] = set()
    rewrite: list[str] = []
    for pack, entries in packs.items():
        if pack not in on_disk:
            continue
        live = [e for e in entries if e[0] in used]
        if live and len(live) == len({e[0] for e in entries}):
            fresh = [e for e in live if e[0] not in placed]
            if fresh:
                new_index[pack] = fresh
                placed.update(e[0] for e in fresh)
        elif live:
            rewrite.append(pack)
    _rewrite(repo, rewrite, packs=packs, used=used, placed=placed, new_index=new_index, ctx=ctx)
    missing = sorted(used - placed)
    if missing:
        raise RepositoryError(
            f"cannot prune: chunk {missing[0][:12]} a kept snapshot needs is not in the index "
            f"({len(missing)} missing); run 'console backup verify'"
        )
    ctx.progress(0.85, "Writing the new index")
    new_name = repo.write_index(new_index)
    crash_point("prune.index_written")
    for name in index_files:
        if name != new_name:
            repo.delete(repo.path / "index" / name)
    ctx.progress(0.9, "Deleting unused packs")
    keep_packs = set(new_index)
    deleted = 0
    for pack in sorted(on_disk - keep_packs):
        repo.delete(repo.pack_path(pack))
        deleted += 1
        crash_point("prune.pack_deleted")
    _remove_leftovers(repo)
    repo.forget_index_cache()
    after = sum(repo.pack_path(p).stat().st_size for p in keep_packs)
    ctx.progress(1.0, "Pruned")
    return {
        "freed_bytes": before - after,
        "packs_deleted": deleted,
        "packs_rewritten": len(rewrite),
    }


def _rewrite(
    repo: Repository,
    rewrite: list[str],
    *,
    packs: dict[str, list[list[Any]]],
    used: set[str],
    placed: set[str],
    new_index: dict[str, list[list[Any]]],
    ctx: JobContext,
) -> None:
    """Copy the used chunks of partly used packs into new packs (checked on the way)."""
    blobs: list[tuple[str, bytes]] = []
    size = 0
    for number, pack in enumerate(rewrite):
        ctx.progress(number / max(len(rewrite), 1) * 0.8, f"Rewriting pack {pack[:8]}")
        data = repo.read_pack(pack, check=False)
        for cid, offset, length in packs[pack]:
            if cid not in used or cid in placed:
                continue
            blob = data[offset : offset + length]
            repo.open_chunk(cid, blob, pack)  # never carry damage into a new pack
            blobs.append((cid, blob))
            placed.add(cid)
            size += len(blob)
            if size >= PACK_TARGET:
                name, entries = repo.write_pack(blobs)
                new_index[name] = entries
                blobs, size = [], 0
    if blobs:
        name, entries = repo.write_pack(blobs)
        new_index[name] = entries


def _remove_leftovers(repo: Repository) -> None:
    """Temporary files of writes a crash interrupted (never referenced by anything)."""
    for folder in ("data", "index", "snapshots", "keys"):
        base = repo.path / folder
        if not base.is_dir():
            continue
        for tmp in base.rglob(".*.tmp"):
            tmp.unlink(missing_ok=True)
