"""Verify a repository: is every snapshot restorable, byte for byte?

Full: every index file and snapshot record is decrypted (their tags checked and their
names equal to their content hash), then every pack the index lists is read and every
chunk in it decrypted and re-hashed. Quick (``--quick``): the index and records as in
full, every referenced chunk present in the index and inside an existing pack, and a
random 5 % of the chunks read in full. Damage is named: which index file, record, pack or
chunk, and which snapshot files it makes unrestorable.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.backup import records
from console.core.backup.repository import Location, Repository, RepositoryError
from console.core.base import events
from console.core.base.jobs import JobContext

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

QUICK_SAMPLE = 0.05


@dataclass
class VerifyReport:
    repository: str
    location: str
    mode: str
    snapshots: dict[str, str] = field(default_factory=dict)  # id -> "ok" or what is wrong
    packs_read: int = 0
    chunks_checked: int = 0
    problems: list[str] = field(default_factory=list)
    damaged_files: dict[str, list[str]] = field(default_factory=dict)  # snapshot -> files

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def verify_repository(
    ws: Workspace,
    user: str,
    repo: Repository,
    *,
    quick: bool = False,
    only: list[str] | None = None,
    ctx: JobContext | None = None,
) -> VerifyReport:
    """Check ``repo`` (or the snapshots ``only`` names) and record each result (operator)."""
    ctx = ctx or JobContext()
    ws.authorize(user, "backup.verify", str(repo.path))
    with repo.locked("verify"):
        report, found = check(repo, quick=quick, only=only, ctx=ctx)
    results = {
        name: (state == "ok", "" if state == "ok" else state)
        for name, state in report.snapshots.items()
    }
    records.record_verify(ws, user, repo, results=results, records=found, mode=report.mode)
    events.publish(
        "backup_verified", ws, repository=repo.id, mode=report.mode, ok=report.ok, state="verified"
    )
    return report


def check(
    repo: Repository,
    *,
    quick: bool = False,
    only: list[str] | None = None,
    ctx: JobContext | None = None,
    seed: int | None = None,
) -> tuple[VerifyReport, dict[str, dict[str, Any]]]:
    """The check itself (no workspace needed): the report and the records it could read."""
    ctx = ctx or JobContext()
    report = VerifyReport(repo.id, str(repo.path), "quick" if quick else "full")
    ctx.progress(0.0, "Reading the index")
    index: dict[str, Location] = {}
    for name in repo.names("index"):
        try:
            for pack, entries in repo.read_index_file(name).items():
                for cid, offset, length in entries:
                    index.setdefault(cid, Location(pack, int(offset), int(length)))
        except (RepositoryError, ValueError, TypeError) as exc:
            report.problems.append(str(exc) if isinstance(exc, RepositoryError) else
                                   f"index file {name[:12]}: damaged ({exc})")  # fmt: skip
    ctx.progress(0.05, "Reading the snapshot records")
    found: dict[str, dict[str, Any]] = {}
    names = only if only is not None else repo.names("snapshots")
    for name in names:
        try:
            found[name] = repo.read_snapshot(name)
        except (RepositoryError, ValueError) as exc:
            message = str(exc) if isinstance(exc, RepositoryError) else f"damaged ({exc})"
            report.problems.append(message)
            report.snapshots[name] = message
    users: dict[str, list[tuple[str, str]]] = defaultdict(list)  # chunk -> (snapshot, file)
    for name, rec in found.items():
        for f in rec["files"]:
            for cid in f["k"]:
                users[cid].append((name, f["n"]))
    bad: dict[str, str] = {}
    for cid in users:
        if cid not in index:
            bad[cid] = f"chunk {cid[:12]}: not in the repository index"
    to_read = _chunks_to_read(
        repo, index, users, quick=quick, referenced_only=only is not None, seed=seed, bad=bad
    )
    _read_chunks(repo, index, to_read, report=report, bad=bad, ctx=ctx)
    for why in bad.values():
        if why not in report.problems:
            report.problems.append(why)
    for name in found:
        damaged: set[str] = set()
        for cid, who in users.items():
            if cid in bad:
                damaged.update(f for s, f in who if s == name)
        if damaged:
            report.damaged_files[name] = sorted(damaged)
            report.snapshots[name] = "cannot restore " + ", ".join(sorted(damaged))
        else:
            report.snapshots[name] = "ok"
    ctx.progress(1.0, "Verified" if report.ok else f"{len(report.problems)} problem(s)")
    return report, found


def _chunks_to_read(
    repo: Repository,
    index: dict[str, Location],
    users: dict[str, list[tuple[str, str]]],
    *,
    quick: bool,
    referenced_only: bool,
    seed: int | None,
    bad: dict[str, str],
) -> dict[str, Location]:
    if not quick:
        wanted = users if referenced_only else index
        return {c: index[c] for c in wanted if c in index}
    sizes: dict[str, int] = {}
    for cid in users:
        loc = index.get(cid)
        if loc is None:
            continue
        if loc.pack not in sizes:
            try:
                sizes[loc.pack] = repo.pack_path(loc.pack).stat().st_size
            except FileNotFoundError:
                sizes[loc.pack] = -1
        if sizes[loc.pack] < 0:
            bad[cid] = f"chunk {cid[:12]}: its pack {loc.pack[:12]} is missing"
        elif loc.offset + loc.length > sizes[loc.pack]:
            bad[cid] = f"chunk {cid[:12]}: its pack {loc.pack[:12]} is truncated"
    candidates = sorted(c for c in users if c in index and c not in bad)
    if not candidates:
        return {}
    count = max(1, round(len(candidates) * QUICK_SAMPLE))
    picked = random.Random(seed).sample(candidates, min(count, len(candidates)))
    return {c: index[c] for c in picked}


def _read_chunks(
    repo: Repository,
    index: dict[str, Location],
    wanted: dict[str, Location],
    *,
    report: VerifyReport,
    bad: dict[str, str],
    ctx: JobContext,
) -> None:
    by_pack: dict[str, list[str]] = defaultdict(list)
    for cid, loc in wanted.items():
        by_pack[loc.pack].append(cid)
    total = max(sum(index[c].length for c in wanted), 1)
    done = 0
    for pack, cids in sorted(by_pack.items()):
        try:
            data = repo.read_pack(pack, check=False)
        except RepositoryError as exc:
            for cid in cids:
                bad[cid] = f"chunk {cid[:12]}: {exc}"
            continue
        report.packs_read += 1
        for cid in cids:
            loc = index[cid]
            blob = data[loc.offset : loc.offset + loc.length]
            try:
                if len(blob) != loc.length:
                    raise RepositoryError(f"chunk {cid[:12]} in pack {pack[:12]}: truncated")
                repo.open_chunk(cid, blob, pack)
            except RepositoryError as exc:
                bad[cid] = str(exc)
            report.chunks_checked += 1
            done += loc.length
            ctx.progress(0.1 + 0.9 * done / total, f"Checking pack {pack[:8]}")
