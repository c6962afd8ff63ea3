"""A check run followed by alert evaluation: the one way every front end does it.

``console check``, the Overview's Run checks, the demo build (so the demo opens with a
status) and the Alerts page's Evaluate now all call these; none of them chains the two
steps itself. :func:`check_and_evaluate` runs every daily check; :func:`recheck_and_evaluate`
re-runs only the cheap live checks (pipeline, machine, scoring service, backup) so an
evaluation never judges the service by what it was when the last full check ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.core.alerts import engine
from console.core.alerts.records import AlertEvent
from console.core.monitoring import checks
from console.core.monitoring.checks import CheckReport

if TYPE_CHECKING:
    from console.core.base.jobs import JobContext
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class CheckRun:
    """What one run did: the stored report and the alert events its evaluation made."""

    report: CheckReport
    events: list[AlertEvent] = field(default_factory=list)
    live_only: bool = False

    def summary(self) -> str:
        """One line for the operator: what was checked, what the alerts did."""
        what = (
            "Re-checked the pipeline, the machine and the scoring service"
            if self.live_only
            else "Ran the daily checks"
        )
        service = self.report.get("latency_p99")
        seen = f" ({service.explanation})" if self.live_only and service else ""
        kinds: dict[str, int] = {}
        for event in self.events:
            kinds[event.kind] = kinds.get(event.kind, 0) + 1
        changes = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        alerts = f"alerts: {changes}" if changes else "no alert changed"
        return f"{what}{seen}; report {self.report.id} is {self.report.status}; {alerts}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.report.as_dict(),
            "alert_events": [e.kind + ":" + e.rule for e in self.events],
            "live_only": self.live_only,
            "summary": self.summary(),
        }


def check_and_evaluate(
    ws: Workspace, user: str, *, ctx: JobContext | None = None, now: datetime | None = None
) -> CheckRun:
    """Run every daily check, store the report, evaluate the alert rules on it."""
    job = ctx.sub(0.0, 0.9) if ctx is not None else None
    report = checks.run_daily_checks(ws, user, ctx=job, now=now)
    if ctx is not None:
        ctx.progress(0.92, "Evaluating the alert rules")
    found = engine.evaluate(ws, user, report, now=now)
    if ctx is not None:
        ctx.progress(1.0, "Done")
    return CheckRun(report, found)


def recheck_and_evaluate(
    ws: Workspace, user: str, *, ctx: JobContext | None = None, now: datetime | None = None
) -> CheckRun:
    """Re-run the live checks (the full checks when none ran yet), then evaluate."""
    had_report = checks.latest_report(ws) is not None
    job = ctx.sub(0.0, 0.8) if ctx is not None else None
    report = checks.run_live_checks(ws, user, ctx=job, now=now)
    if ctx is not None:
        ctx.progress(0.85, "Evaluating the alert rules")
    found = engine.evaluate(ws, user, report, now=now)
    if ctx is not None:
        ctx.progress(1.0, "Done")
    return CheckRun(report, found, live_only=had_report)
