"""The checks a runbook step can name with ``@check(NAME)``.

Each check runs real console code and answers with a status (``ok`` or ``problem``, or
``failed`` when it could not run), a one-line summary and details. Checks built on the
daily report run the daily checks now (stored and audited like ``console check``) and
read their part of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.base import audit, clock, config_versions
from console.core.base.errors import ConsoleError
from console.core.base.jobs import JobContext

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class CheckOutcome:
    status: str  # ok | problem | failed
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


CheckFn = Callable[["Workspace", str, JobContext], CheckOutcome]

#: daily-report checks by runbook check name (report check names)
REPORT_PARTS: dict[str, tuple[str, ...]] = {
    "performance": ("f1", "fpr", "precision", "recall", "roc_auc", "f1_drop", "f1_estimated",
                    "fpr_estimated"),
    "data_quality": ("missing_values", "schema_violations", "out_of_range", "unseen_categories",
                     "duplicate_ids", "volume", "clock_skew"),
    "pipeline": ("ingest_overdue", "refused_batches", "volume", "data_recency"),
    "resources": ("cpu", "memory", "disk"),
    "requests": ("latency_p99", "error_rate"),
    "backups": ("backup_age",),
    "drift": ("data_drift",),
}  # fmt: skip


def _report_check(names: tuple[str, ...] | None) -> CheckFn:
    def run(ws: Workspace, user: str, ctx: JobContext) -> CheckOutcome:
        from console.core.monitoring.checks import run_daily_checks

        report = run_daily_checks(ws, user, ctx=ctx)
        picked = [c for c in report.checks if names is None or c.name in names]
        bad = [c for c in picked if c.status in ("warning", "critical")]
        lines = [f"{c.name}: {c.status} - {c.explanation}" for c in bad or picked]
        summary = (
            f"{len(bad)} of {len(picked)} checks need attention: "
            + "; ".join(f"{c.name} {c.status}" for c in bad)
            if bad
            else f"all {len(picked)} checks ok or without data"
        )
        return CheckOutcome(
            "problem" if bad else "ok", summary,
            {"report": report.id, "checks": [c.as_dict() for c in picked], "lines": lines},
        )  # fmt: skip

    return run


def _recent_changes(ws: Workspace, user: str, ctx: JobContext) -> CheckOutcome:
    from console.core.lineage import what_changed

    answer = what_changed.what_changed(ws, ctx=ctx)
    causes = answer["causes"]
    changes = [c for c in causes if c["rank"] == 1]
    top = [c["title"] for c in causes[:5]]
    summary = (
        f"{len(changes)} deployment/config change(s) in the last {what_changed.HOURS:g} h; "
        f"{sum(c['rank'] == 2 for c in causes)} drifted feature(s), "
        f"{sum(c['rank'] == 3 for c in causes)} degraded segment(s)"
    )
    return CheckOutcome("problem" if len(causes) > 0 and causes[0]["rank"] < 4 else "ok",
                        summary, {"top": top, "causes": causes[:20]})  # fmt: skip


def _cache(ws: Workspace, user: str, ctx: JobContext) -> CheckOutcome:
    from console.core.serving import security, state

    info = state.running_service(ws)
    if info is None:
        return CheckOutcome("problem", "the scoring service is not running: no cache to verify")
    try:
        health = state.fetch_health(info, verify=security.client_context(ws) if info.tls else True)
    except OSError as exc:
        return CheckOutcome("problem", f"the service does not answer: {exc}")
    rate = health.get("cache_hit_rate")
    size = ws.config.service.cache_size
    shown = "no lookups yet" if rate is None else f"hit rate {rate:.0%}"
    if size == 0:
        return CheckOutcome("ok", "the prediction cache is off (service.cache_size = 0)", health)
    return CheckOutcome("ok", f"cache of {size:,} entries: {shown}", health)


def _production_model(ws: Workspace, user: str, ctx: JobContext) -> CheckOutcome:
    from console.core.models import deploy, registry

    model = registry.production(ws)
    if model is None:
        return CheckOutcome("problem", "no model version is in production")
    steps = deploy.verify(ws, user, model.version, ctx=ctx)
    failed = [s for s in steps if not s.ok]
    summary = (
        f"production {model.version}: " + "; ".join(f"{s.name} failed: {s.detail}" for s in failed)
        if failed
        else f"production {model.version} passes all {len(steps)} verification steps"
    )
    return CheckOutcome("problem" if failed else "ok", summary,
                        {"steps": [s.__dict__ for s in steps]})  # fmt: skip


def _rollback_target(ws: Workspace, user: str, ctx: JobContext) -> CheckOutcome:
    from console.core.models import deploy, registry

    previous = deploy.previous_production(ws)
    current = registry.production(ws)
    if previous is None:
        return CheckOutcome("problem", "no earlier production version to roll back to")
    return CheckOutcome(
        "ok", f"rollback would restore {previous} (production now: "
        f"{current.version if current else 'none'})", {"previous": previous},
    )  # fmt: skip


def _files(ws: Workspace, user: str, ctx: JobContext) -> CheckOutcome:
    from console.core.lineage import integrity

    states = integrity.check(ws, ctx)
    bad = integrity.problems(states)
    if bad:
        names = ", ".join(f"{s.path} ({s.state})" for s in bad[:5])
        return CheckOutcome("problem", f"{len(bad)} file(s) changed or gone: {names}",
                            {"problems": [s.as_dict() for s in bad]})  # fmt: skip
    return CheckOutcome("ok", f"all {len(states)} recorded files have their recorded bytes")


def _audit_chain(ws: Workspace, user: str, ctx: JobContext) -> CheckOutcome:
    report = audit.verify(ws.conn, ctx=ctx)
    return CheckOutcome("ok" if report.ok else "problem", f"audit log: {report.reason}",
                        report.as_dict())  # fmt: skip


def _config_review(ws: Workspace, user: str, ctx: JobContext) -> CheckOutcome:
    from console.core.base.config import default_config_text

    since = clock.iso(clock.now() - dt.timedelta(days=31))
    recent = [v for v in config_versions.history(ws) if v.created_at >= since]
    outside = [v for v in recent if v.source == "outside"]
    current = ws.config_path.read_text(encoding="utf-8")
    differ = config_versions.changed_keys(default_config_text(), current)
    summary = (
        f"{len(recent)} configuration version(s) in 31 days ({len(outside)} edited outside "
        f"the console); {len(differ)} key(s) differ from the shipped defaults"
    )
    return CheckOutcome(
        "problem" if outside else "ok", summary,
        {"versions": [v.as_dict() for v in recent], "differ_from_defaults": differ},
    )  # fmt: skip


CHECKS: dict[str, CheckFn] = {
    "daily": _report_check(None),
    **{name: _report_check(parts) for name, parts in REPORT_PARTS.items()},
    "recent_changes": _recent_changes,
    "cache": _cache,
    "production_model": _production_model,
    "rollback_target": _rollback_target,
    "files": _files,
    "audit_chain": _audit_chain,
    "config_review": _config_review,
}
NAMES = frozenset(CHECKS)


def run_check(ws: Workspace, user: str, name: str, ctx: JobContext | None = None) -> CheckOutcome:
    """Run one named check; an error the operator can act on becomes a ``failed`` outcome."""
    try:
        return CHECKS[name](ws, user, ctx or JobContext())
    except ConsoleError as exc:
        return CheckOutcome("failed", str(exc))
