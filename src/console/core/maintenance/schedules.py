"""Schedules: when each maintenance job is due, anacron-style catch-up, and editing them.

Each schedule is a cron expression in ``[schedules]`` (UTC), read by ``croniter``. A
schedule counts from the moment the workspace first saw its expression (a new or
changed schedule does not fire for the past). A job is *due* when the latest cron time
at or before now is later than the last one it ran for: however many runs were missed
while nothing was running, one run catches up, at the next ``run-due`` (cron, a systemd
timer) or the next start of the window. A due time is *claimed* in one transaction
before the run starts, so two processes never both run it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from console.core.base import clock, events
from console.core.base.config import parse_config
from console.core.base.db import write_transaction
from console.core.base.errors import BadInput
from console.core.base.files import atomic_write_text
from console.core.base.maintenance_config import JOB_NAMES, check_cron
from console.core.base.workspace import CONFIG_FILE
from console.core.maintenance import runs

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

#: a due time older than this is a missed run (reported as a catch-up)
ON_TIME = timedelta(minutes=15)


@dataclass(frozen=True)
class ScheduleStatus:
    name: str
    expression: str  # "" = not scheduled
    since: str | None
    next_run: str | None
    last_run: runs.JobRun | None
    due: str | None  # the cron time a run is owed for, if any

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expression": self.expression,
            "since": self.since,
            "next_run": self.next_run,
            "due": self.due,
            "last_run": self.last_run.as_dict(with_report=False) if self.last_run else None,
        }


def next_after(expression: str, moment: datetime) -> datetime:
    from croniter import croniter

    result: datetime = croniter(expression, moment.astimezone(UTC)).get_next(datetime)
    return result


def latest_at(expression: str, moment: datetime) -> datetime:
    """The latest cron time at or before ``moment``."""
    from croniter import croniter

    at = moment.astimezone(UTC)
    result: datetime = croniter(expression, at + timedelta(seconds=1)).get_prev(datetime)
    return result


def _sync_state(ws: Workspace, now: datetime) -> dict[str, Any]:
    """Rows of ``schedule_state``, starting a schedule's count when its expression is new."""
    config = ws.config.schedules
    rows = {r["name"]: r for r in ws.conn.execute("SELECT * FROM schedule_state")}
    stale = [
        n
        for n in JOB_NAMES
        if config.expression(n) and (n not in rows or rows[n]["expr"] != config.expression(n))
    ]
    if stale:
        with write_transaction(ws.conn) as conn:
            conn.executemany(
                "INSERT INTO schedule_state (name, expr, since) VALUES (?,?,?)"
                " ON CONFLICT(name) DO UPDATE SET expr = excluded.expr, since = excluded.since",
                [(n, config.expression(n), clock.iso(now)) for n in stale],
            )
        rows = {r["name"]: r for r in ws.conn.execute("SELECT * FROM schedule_state")}
    return rows


def status(ws: Workspace, now: datetime | None = None) -> list[ScheduleStatus]:
    """Every job with its schedule, next run, last run and whether a run is owed."""
    now = now or clock.now()
    rows = _sync_state(ws, now)
    out: list[ScheduleStatus] = []
    for name in JOB_NAMES:
        expr = ws.config.schedules.expression(name)
        last = runs.latest(ws, name, state=None)
        if not expr:
            out.append(ScheduleStatus(name, "", None, None, last, None))
            continue
        row = rows[name]
        owed = latest_at(expr, now)
        counted_from = datetime.fromisoformat(row["last_due"] or row["since"])
        due = clock.iso(owed) if owed > counted_from else None
        if due and not ws.config.schedules.catch_up and now - owed > ON_TIME:
            due = None  # catch-up is off: a missed run is skipped
        out.append(
            ScheduleStatus(name, expr, row["since"], clock.iso(next_after(expr, now)), last, due)
        )
    return out


def claim(ws: Workspace, name: str, due: str) -> bool:
    """Take the run owed for ``due``; False when another process took it first."""
    with write_transaction(ws.conn) as conn:
        cur = conn.execute(
            "UPDATE schedule_state SET last_due = ? WHERE name = ?"
            " AND (last_due IS NULL OR last_due < ?)",
            (due, name, due),
        )
    return cur.rowcount == 1


def record_run(ws: Workspace, name: str, run_id: int) -> None:
    with write_transaction(ws.conn) as conn:
        conn.execute("UPDATE schedule_state SET last_run = ? WHERE name = ?", (run_id, name))


def trigger_for(due: str, now: datetime) -> str:
    return "schedule" if now - datetime.fromisoformat(due) <= ON_TIME else "catch-up"


_LINE = re.compile(r"^(\s*)([A-Za-z_]+)(\s*=\s*)(\"[^\"]*\"|'[^']*')(.*)$")


def set_schedule(ws: Workspace, user: str, name: str, expression: str) -> ScheduleStatus:
    """Change one schedule in console.toml (role: admin); ``""`` turns it off."""
    if name not in JOB_NAMES:
        raise BadInput(f"schedule {name!r} is not one of {', '.join(JOB_NAMES)}")
    try:
        expr = check_cron(expression)
    except ValueError as exc:
        raise BadInput(f"schedules.{name}: {exc}") from None
    path = ws.root / CONFIG_FILE
    with ws.change(user, "schedule.edit", f"schedule:{name}") as ch:
        text = path.read_text(encoding="utf-8")
        new_text = _with_schedule(text, name, expr)
        config = parse_config(new_text, str(path))
        ch.details = {"before": ws.config.schedules.expression(name), "after": expr}
        atomic_write_text(path, new_text)
        ws.config = config
    events.publish("config_changed", ws, section="schedules", key=name)
    return next(s for s in status(ws) if s.name == name)


def _with_schedule(text: str, name: str, expr: str) -> str:
    lines = text.splitlines(keepends=True)
    table: str | None = None
    header = re.compile(r"^\s*\[([^\]]+)\]")
    insert_at: int | None = None
    for i, raw in enumerate(lines):
        m = header.match(raw)
        if m:
            if table == "schedules" and insert_at is None:
                insert_at = i
            table = m.group(1).strip()
            continue
        key = _LINE.match(raw.rstrip("\n"))
        if table == "schedules" and key and key.group(2) == name:
            ending = "\n" if raw.endswith("\n") else ""
            lines[i] = f'{key.group(1)}{name}{key.group(3)}"{expr}"{key.group(5)}{ending}'
            return "".join(lines)
    entry = f'{name} = "{expr}"\n'
    if table == "schedules" and insert_at is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join([*lines, entry])
    if insert_at is not None:
        lines.insert(insert_at, entry)
        return "".join(lines)
    return text + ("" if text.endswith("\n") else "\n") + f"\n[schedules]\n{entry}"
