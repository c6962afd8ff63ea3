"""What other processes changed: the audit log read as a change feed.

Every state change writes an audit entry, so the entries another process (the CLI,
cron, the scoring service) appended since we last looked say what changed. A
:class:`ChangeFeed` polls SQLite's ``data_version`` (cheap: no table is read while
nothing was committed); when it moved, it reads the new audit entries and the jobs
that ended, leaves out what this process did itself (those entries were announced as
events already) and publishes one ``external_change`` event naming the events those
changes stand for, e.g. ``{"changed": ["ingested", "alerts_changed"], ...}``.

Run :meth:`ChangeFeed.poll` off the GUI thread (it reads the database).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.core.base import events

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class ExternalChange:
    """What one poll found: the event names and the audit actions behind them."""

    changed: tuple[str, ...]
    actions: tuple[str, ...]


class ChangeFeed:
    """Notices commits by other processes to one workspace's database."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.root = str(ws.root)
        self._lock = threading.Lock()
        self._own: set[int] = set()  # audit entries this process appended
        self._counter: int | None = None
        self._seq = 0
        self._jobs = 0
        self._own_jobs = 0  # jobs this process finished since the last poll
        self._stops = [
            events.subscribe("audit_appended", self._note_own),
            events.subscribe("job_finished", self._note_own_job),
        ]

    def close(self) -> None:
        for stop in self._stops:
            stop()

    def _note_own(self, event: events.Event) -> None:
        if event.workspace == self.root:
            with self._lock:
                self._own.add(int(event.details.get("seq", 0)))

    def _note_own_job(self, event: events.Event) -> None:
        if event.workspace == self.root:
            with self._lock:
                self._own_jobs += 1

    def _marks(self) -> tuple[int, int]:
        conn = self.ws.conn
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM audit").fetchone()[0]
        jobs = conn.execute("SELECT COUNT(finished_at) FROM jobs").fetchone()[0]
        return int(seq), int(jobs)

    def poll(self) -> ExternalChange | None:
        """Look once; publish and return what other processes changed (None: nothing)."""
        conn = self.ws.conn
        counter = events.change_counter(conn)
        if self._counter is None:  # the first look only takes the marks
            self._counter = counter
            self._seq, self._jobs = self._marks()
            return None
        if counter == self._counter:
            return None
        self._counter = counter
        rows = conn.execute(
            "SELECT seq, action FROM audit WHERE seq > ? ORDER BY seq", (self._seq,)
        ).fetchall()
        seq, jobs = self._marks()
        with self._lock:
            foreign = [str(r["action"]) for r in rows if int(r["seq"]) not in self._own]
            self._own = {s for s in self._own if s > seq}
            own_jobs, self._own_jobs = self._own_jobs, 0
        changed: list[str] = []
        for action in foreign:
            name = events.event_for(action)
            if name and name not in changed:
                changed.append(name)
        if foreign:
            changed.append("audit_appended")
        if jobs - self._jobs > own_jobs:
            changed.append("job_finished")
        self._seq, self._jobs = max(seq, self._seq), jobs
        if not changed:
            return None
        found = ExternalChange(tuple(changed), tuple(dict.fromkeys(foreign)))
        events.publish(
            "external_change", self.ws, changed=list(found.changed), actions=list(found.actions)
        )
        return found
