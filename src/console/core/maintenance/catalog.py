"""The maintenance jobs: what each one runs, which settings it records, its report.

Each job is a plain function ``work(ws, user, ctx) -> report`` (a JSON-able dict with a
one-line ``summary``, optional ``findings`` sentences and an ``ok`` flag) that calls
the area which does the work: the daily checks (then the alert rules on their report),
data drift of the last week against production's training data, the model validation
and the retraining.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base.errors import BadInput
from console.core.base.maintenance_config import JOB_NAMES

if TYPE_CHECKING:
    from console.core.base.jobs import JobContext
    from console.core.base.workspace import Workspace

Work = Callable[["Workspace", str, "JobContext"], dict[str, Any]]
DRIFT_CURRENT = "last:7"


@dataclass(frozen=True)
class JobSpec:
    name: str
    title: str
    description: str
    work: Work
    settings: Callable[[Workspace], dict[str, Any]]
    html: Callable[[Workspace, dict[str, Any]], str | None] = lambda ws, report: None


def _daily_checks(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
    from console.core.alerts import engine
    from console.core.monitoring import checks

    report = checks.run_daily_checks(ws, user, ctx=ctx)
    engine.evaluate(ws, user, report)
    problems = [c for c in report.checks if c.status in ("warning", "critical")]
    return {
        "summary": f"Daily checks: {report.status} ({len(problems)} of {len(report.checks)} "
        "checks warning or critical)",
        "ok": report.status != "critical",
        "findings": [f"{c.name}: {c.status} - {c.explanation}" for c in problems],
        "report_id": report.id,
        "checks": [c.as_dict() for c in report.checks],
    }


def _daily_html(ws: Workspace, report: dict[str, Any]) -> str | None:
    from console.core.monitoring import checks, report_html

    found = next((r for r in [checks.latest_report(ws)] if r and r.id == report["report_id"]), None)
    return report_html.render(ws, found) if found else None


def _drift(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
    from console.core.drift import report as drift_report

    result = drift_report.run_drift(ws, user, "production", DRIFT_CURRENT, ctx=ctx)
    data = result.as_dict()
    drifted = result.drifted_columns
    verdict = "drift" if result.dataset_drift else "no dataset drift"
    return {
        "summary": f"Data drift of the last 7 days against production's training data: "
        f"{verdict} ({len(drifted)} of {len(result.columns)} features drifted)",
        "ok": not result.dataset_drift,
        "findings": [f"{name} drifted" for name in drifted],
        "drift_run": data["id"],
        "features": [
            {k: v for k, v in c.items() if not isinstance(v, list | dict)} for c in data["columns"]
        ],
    }


def _validation(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
    from console.core.models import validation

    return validation.run_validation(ws, user, ctx=ctx).as_dict()


def _retraining(ws: Workspace, user: str, ctx: JobContext) -> dict[str, Any]:
    from console.core.models import retraining

    return retraining.retrain(ws, user, ctx=ctx).as_dict()


def _section(name: str) -> Callable[[Workspace], dict[str, Any]]:
    def settings(ws: Workspace) -> dict[str, Any]:
        data: dict[str, Any] = getattr(ws.config, name).model_dump()
        if name in ("validation", "retraining"):
            data["cluster"] = ws.config.cluster.address or "local"
        return data

    return settings


SPECS: dict[str, JobSpec] = {
    "daily_checks": JobSpec(
        "daily_checks",
        "Daily checks",
        "model performance, data quality, pipeline and system health; then the alert rules",
        _daily_checks,
        _section("monitoring"),
        _daily_html,
    ),
    "drift": JobSpec(
        "drift",
        "Weekly data drift",
        "the last 7 days of the prediction log against production's training dataset",
        _drift,
        _section("drift"),
    ),
    "validation": JobSpec(
        "validation",
        "Weekly model validation",
        "backtest production and candidates, review metrics against the cards, "
        "validate the threshold",
        _validation,
        _section("validation"),
    ),
    "retraining": JobSpec(
        "retraining",
        "Monthly retraining",
        "retrain on the training dataset plus the recent labelled log into a candidate",
        _retraining,
        _section("retraining"),
    ),
}
assert tuple(SPECS) == JOB_NAMES


def spec(name: str) -> JobSpec:
    if name not in SPECS:
        raise BadInput(f"job {name!r} is not one of {', '.join(SPECS)}")
    return SPECS[name]
