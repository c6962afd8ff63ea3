"""Named crash points: where a test kills the process to prove a change is atomic.

Every state change calls :func:`crash_point` at the instants where a crash could leave
it half done (parts written, inside the commit, after the commit before cleanup, …).
With ``CONSOLE_CRASH_AT`` unset — always, outside the crash tests — the call is one
dictionary lookup done once per process and one comparison per call. When a test runs
a console subprocess with ``CONSOLE_CRASH_AT=ingest.before_commit`` (several names may
be given, separated by commas), the process ends at that point with ``os._exit`` (no
``finally`` blocks, no ``atexit`` handlers, no flush: as close to ``kill -9`` as Python
gets), exit status :data:`CRASH_EXIT`.

``CONSOLE_CRASH_AT_HIT=N`` (default 1) crashes at the N-th time a named point is
reached. ``CONSOLE_CRASH_DELAY_US=D`` lets the process go on from the point and ends it
D microseconds later from another thread: placed just before a ``COMMIT``, that lands
the crash inside SQLite's commit (its WAL writes and fsync), which no call site can.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Final

ENV: Final = "CONSOLE_CRASH_AT"
ENV_HIT: Final = "CONSOLE_CRASH_AT_HIT"
ENV_DELAY: Final = "CONSOLE_CRASH_DELAY_US"
CRASH_EXIT: Final = 86

#: every crash point the console declares, with the instant it stands for
POINTS: Final[dict[str, str]] = {
    "ingest.parts_written": "all parts of a batch are on disk, nothing recorded",
    "ingest.before_commit": "batch, parts and audit entry inserted, before COMMIT",
    "ingest.inside_commit": "while SQLite commits the batch (between its WAL writes)",
    "ingest.after_commit": "batch committed, before the job's cleanup",
    "promote.checked": "a candidate passed its checks, production not yet switched",
    "promote.switched": "production switched in the open transaction, before COMMIT",
    "promote.smoke_test": "production switched and committed, before the smoke test ends",
    "promote.reverted": "a failed smoke test reverted production, before COMMIT",
    "rollback.checked": "the rollback target passed its checks",
    "rollback.switched": "production switched back in the open transaction",
    "rollback.smoke_test": "rollback committed, before its smoke test ends",
    "rollback.reverted": "a failed smoke test reverted a rollback, before COMMIT",
    "user.set_role": "a role written in the open transaction, before COMMIT",
    "user.account": "an account or the accounts switch written, before COMMIT",
    "alert.state": "an alert's new state written in the open transaction, before COMMIT",
    "audit.appended": "an audit entry inserted, before its transaction commits",
    "audit.committed": "an audit entry committed, before the signed head is anchored",
    "store.sweep": "the orphan sweep removed some files, not yet the rest",
    "backup.pack_written": "a backup wrote a pack of chunks, not yet its index",
    "backup.index_written": "a backup wrote its index, not yet its snapshot record",
    "backup.snapshot_written": "a snapshot record is written, not yet its row in backups",
    "prune.snapshots_forgotten": "prune deleted snapshot records, not yet any data",
    "prune.index_written": "prune wrote the new index, old index files still there",
    "prune.pack_deleted": "prune deleted an unused pack, not yet the others",
    "restore.staged": "the restored workspace is built and checked beside the live one",
    "restore.swapped": "the workspaces are exchanged, the old one not yet renamed aside",
}

_armed: dict[str, int] | None = None


def _arm() -> dict[str, int]:
    names = [n.strip() for n in os.environ.get(ENV, "").split(",") if n.strip()]
    hit = int(os.environ.get(ENV_HIT, "1") or 1)
    return dict.fromkeys(names, hit)


def crash_point(name: str) -> None:
    """End the process here, at once, if a crash test armed ``name``; else nothing."""
    global _armed  # noqa: PLW0603 - read the environment once per process
    if _armed is None:
        _armed = _arm()
    if not _armed or name not in _armed:
        return
    _armed[name] -= 1
    if _armed[name] > 0:
        return
    delay = os.environ.get(ENV_DELAY)
    if delay:
        threading.Thread(target=_exit_later, args=(name, int(delay)), daemon=True).start()
        return
    _exit(name)


def _exit_later(name: str, delay_us: int) -> None:
    end = time.perf_counter() + delay_us / 1e6
    while time.perf_counter() < end:  # spin: sleep() is far coarser than a commit
        pass
    _exit(name)


def _exit(name: str) -> None:
    sys.stderr.write(f"console: crash point {name} reached ({ENV})\n")
    sys.stderr.flush()
    os._exit(CRASH_EXIT)


def rearm() -> None:
    """Read ``CONSOLE_CRASH_AT`` again (a test that changes it in-process)."""
    global _armed  # noqa: PLW0603
    _armed = None
