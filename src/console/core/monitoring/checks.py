"""The daily check report: every check with value, threshold, status and explanation.

:func:`run_daily_checks` computes all checks (performance, data quality, pipeline, system,
drift), stores the report in one audited transaction and returns it;
:func:`latest_report` reads the last stored one back.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

STATUSES = ("ok", "warning", "critical", "no_data")
LOOKBACK_DAYS = 45  # days of predictions the performance checks read

if TYPE_CHECKING:
    from console.core.base.jobs import JobContext
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class Check:
    """One check: ``status`` is "ok", "warning", "critical" or "no_data"."""

    name: str
    value: float | None
    threshold: float | None
    status: str
    explanation: str
    n: int | None
    window: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Check:
        return cls(
            name=str(data["name"]),
            value=None if data.get("value") is None else float(data["value"]),
            threshold=None if data.get("threshold") is None else float(data["threshold"]),
            status=str(data["status"]),
            explanation=str(data.get("explanation", "")),
            n=None if data.get("n") is None else int(data["n"]),
            window=str(data.get("window", "")),
        )


@dataclass(frozen=True)
class CheckReport:
    id: int | None
    created_at: str
    checks: list[Check] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "status": self.status,
            "checks": [c.as_dict() for c in self.checks],
        }

    @property
    def status(self) -> str:
        """The worst status of any check ("no_data" counts as ok here)."""
        statuses = {c.status for c in self.checks}
        for s in ("critical", "warning"):
            if s in statuses:
                return s
        return "ok"

    def get(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


def run_daily_checks(
    ws: Workspace, user: str, *, ctx: JobContext | None = None, now: datetime | None = None
) -> CheckReport:
    """Run every daily check, store the report (role check.run) and return it."""
    from console.core.base import clock
    from console.core.base.jobs import JobContext
    from console.core.monitoring import (
        daily,
        data_age,
        health_checks,
        partners,
        performance,
        quality,
        unlogged,
    )
    from console.core.monitoring.settings import settings
    from console.core.monitoring.windows import load_rows

    ws.authorize(user, "check.run", "daily-checks")
    ctx = ctx or JobContext()
    now = now or clock.now()
    cfg = settings(ws)
    newest = data_age.newest_day(ws, now.date())
    at = data_age.as_of(now, newest, cfg)  # the end of the newest day when data is old
    first = at.date() - timedelta(days=LOOKBACK_DAYS)
    ctx.progress(0.0, "Reading predictions and labels")
    rows = load_rows(ws, start=first, end=at.date(), segments=False)
    ctx.progress(0.4, "Model performance")
    table = performance.compute(rows, "day", cfg)
    checks = daily.performance_checks(ws, table, at, cfg)
    ctx.progress(0.55, "Data quality")
    qtable = quality.quality_table(
        ws,
        window="day",
        start=at.date() - timedelta(days=2),
        end=at.date(),
        ctx=ctx.sub(0.55, 0.75),
    )
    checks += health_checks.quality_checks(ws, qtable, cfg, at.date().isoformat())
    ctx.progress(0.8, "Pipeline and system health")
    checks += health_checks.pipeline_checks(ws, now, cfg)
    checks.append(data_age.recency_check(ws, newest, now, cfg))
    checks += health_checks.system_checks(ws, now, cfg)
    checks.append(health_checks.access_check(ws, now))
    checks.append(unlogged.unlogged_check(ws, now))
    ctx.progress(0.9, "Data drift")
    checks.append(Check.from_dict(partners.drift_check(ws, now=at)))
    if at != now:
        checks = data_age.note_age(checks, newest, now)
    series = report_series(table)
    ctx.progress(0.95, "Storing the report")
    report = _store(ws, user, checks, series, now, target="daily-checks")
    ctx.progress(1.0, "Done")
    return report


#: the checks that read the world as it is now (cheap: no prediction log is read)
LIVE_CHECKS = (
    "ingest_overdue", "refused_batches", "volume",
    "cpu", "memory", "disk", "latency_p99", "error_rate", "backup_age", "unlogged_records",
)  # fmt: skip


def run_live_checks(
    ws: Workspace, user: str, *, ctx: JobContext | None = None, now: datetime | None = None
) -> CheckReport:
    """Re-run the cheap live checks (pipeline, machine, scoring service, backup) and store
    a report that carries the other checks over from the last one (role check.run).

    With no stored report yet this is the full :func:`run_daily_checks`.
    """
    from console.core.base import clock
    from console.core.base.jobs import JobContext
    from console.core.monitoring import health_checks, unlogged
    from console.core.monitoring.settings import settings

    ws.authorize(user, "check.run", "live-checks")
    ctx = ctx or JobContext()
    last = latest_report(ws)
    if last is None:
        return run_daily_checks(ws, user, ctx=ctx, now=now)
    now = now or clock.now()
    cfg = settings(ws)
    ctx.progress(0.1, "Pipeline health")
    fresh = health_checks.pipeline_checks(ws, now, cfg)
    ctx.progress(0.4, "Machine and scoring service")
    fresh += health_checks.system_checks(ws, now, cfg)
    fresh.append(unlogged.unlogged_check(ws, now))
    by_name = {c.name: c for c in fresh}
    checks = [by_name.pop(c.name, c) for c in last.checks]
    checks += by_name.values()
    ctx.progress(0.9, "Storing the report")
    series = stored_series(ws, last.id) if last.id is not None else {}
    report = _store(ws, user, checks, series, now, target="live-checks", carried=last.id)
    ctx.progress(1.0, "Done")
    return report


def _store(
    ws: Workspace,
    user: str,
    checks: list[Check],
    series: dict[str, list[Any]],
    now: datetime,
    *,
    target: str,
    carried: int | None = None,
) -> CheckReport:
    """Store a report in one audited change (``check.run``); it announces report_stored."""
    from console.core.base import clock

    created = clock.iso(now)
    status = CheckReport(None, created, checks).status
    with ws.change(user, "check.run", target) as ch:
        cur = ch.conn.execute(
            "INSERT INTO check_reports (created_at, user, status, checks, series) "
            "VALUES (?,?,?,?,?)",
            (
                created,
                user,
                status,
                json.dumps([c.as_dict() for c in checks]),
                json.dumps(series),
            ),
        )
        report_id = int(cur.lastrowid or 0)
        counts = {s: sum(1 for c in checks if c.status == s) for s in STATUSES}
        ch.details = {"report": report_id, "status": status, **counts}
        if carried is not None:
            ch.details["carried_from"] = carried
        ch.event = {"report": report_id, "status": status, "live_only": carried is not None}
    return CheckReport(report_id, created, checks)


def report_series(table: Any) -> dict[str, list[Any]]:
    """The daily series the HTML report plots (JSON-ready, None for withheld)."""
    out: dict[str, list[Any]] = {"day": [table.start_iso(i)[:10] for i in range(len(table))]}
    for name in ("f1", "est_f1", "fpr", "est_fpr", "n", "label_coverage"):
        out[name] = [None if math.isnan(v) else float(v) for v in table.column(name)]
    return out


def stored_series(ws: Workspace, report_id: int) -> dict[str, list[Any]]:
    row = ws.conn.execute("SELECT series FROM check_reports WHERE id = ?", (report_id,)).fetchone()
    return dict(json.loads(row["series"])) if row else {}


def reports(ws: Workspace, limit: int = 30) -> list[tuple[int, str, str]]:
    """(id, created_at, status) of the newest stored reports."""
    rows = ws.conn.execute(
        "SELECT id, created_at, status FROM check_reports ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [(int(r["id"]), str(r["created_at"]), str(r["status"])) for r in rows]


def latest_report(ws: Workspace) -> CheckReport | None:
    """The last stored report, or None when no check has run yet."""
    row = ws.conn.execute(
        "SELECT id, created_at, checks FROM check_reports ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return CheckReport(
        int(row["id"]),
        str(row["created_at"]),
        [Check.from_dict(c) for c in json.loads(row["checks"])],
    )
