"""After a deployment, which alerts judge the model that is no longer in production.

An alert on model performance carries the window its value was computed on (the last
labelled day, e.g. ``2026-11-28``). The prediction log records which model version
scored each row (``model_version``): when the rows of that day were scored (most of them,
on the day of a switch) by a version other than the one now in production (after a
rollback, or a promotion), the alert's evidence is about the previous model. It stays
open — nothing new has shown the problem gone — but :func:`stale_evidence` says so,
e.g. "evidence from before the rollback to 1.0.0 at 14:02; awaiting labels", and gives
the latest estimate (from scores, before labels arrive) for the model now in
production. The next evaluation on evidence scored by the version in production
resolves or confirms the alert as usual. Rows that do not say which version scored
them (a feed without the column) are judged by time instead: evidence from a day
before the deployment's is stale.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.core.alerts.records import Alert
from console.core.alerts.state import OPEN_STATES
from console.core.data import store
from console.core.models import registry

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace
    from console.core.monitoring.checks import CheckReport

#: metrics judged on labelled windows of the prediction log (the model's own evidence)
MODEL_METRICS = frozenset(
    {"f1", "fpr", "precision", "recall", "roc_auc", "f1_drop", "f1_estimated", "fpr_estimated"}
)
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")
METRIC_NAMES = {"f1": "F1", "fpr": "FPR", "roc_auc": "ROC AUC"}
KIND_WORDS = {"rollback": "the rollback to", "promote": "the promotion of"}


@dataclass(frozen=True)
class StaleEvidence:
    """Why an open alert's evidence predates the model in production."""

    rule: str
    note: str  # "evidence from before the rollback to 1.0.0 at 14:02; awaiting labels"
    estimate: str  # "estimated F1 0.742 for 1.0.0 (scores of 2026-12-01, before labels)"
    deployed_at: str
    version: str
    scored_by: str | None = None  # the version that scored the evidence, when recorded


@dataclass(frozen=True)
class _Deployment:
    kind: str
    version: str
    at: dt.datetime


def last_deployment(ws: Workspace) -> _Deployment | None:
    """The newest switch of production (promote or rollback) on record."""
    row = ws.conn.execute(
        "SELECT kind, to_version, finished_at FROM deployments WHERE outcome = 'switched' "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    at = dt.datetime.fromisoformat(str(row["finished_at"]))
    return _Deployment(str(row["kind"]), str(row["to_version"]), at)


def evidence_day(window: str) -> dt.date | None:
    """The last day a window names (``2026-11-28``, ``2026-11-22..2026-11-28``)."""
    days = _DAY.findall(window or "")
    return dt.date.fromisoformat(days[-1]) if days else None


def scored_by(ws: Workspace, day: dt.date) -> str | None:
    """The model version that scored most of the predictions logged on ``day``; None
    when no row of that day says (no rows, or a feed without ``model_version``)."""
    counts = store.versions_of_day(ws, day)
    return max(counts, key=lambda v: counts[v]) if counts else None


def _scored_by_production(ws: Workspace, day: dt.date, production: str) -> bool | None:
    """Whether the rows of ``day`` were scored by ``production``; None: they do not say."""
    version = scored_by(ws, day)
    return None if version is None else version == production


def stale_evidence(
    ws: Workspace, alerts: list[Alert], report: CheckReport | None = None
) -> dict[str, StaleEvidence]:
    """Open model alerts whose evidence was scored by a version no longer in production
    (see the module docstring), by rule. ``report`` (default: the latest) supplies the
    estimate for the model in production."""
    deployment = last_deployment(ws)
    if deployment is None:
        return {}
    current = registry.production(ws)
    production = current.version if current is not None else deployment.version
    if report is None:
        from console.core.monitoring.checks import latest_report

        report = latest_report(ws)
    when = deployment.at.astimezone(dt.UTC)
    out: dict[str, StaleEvidence] = {}
    for alert in alerts:
        if alert.state not in OPEN_STATES or alert.metric not in MODEL_METRICS:
            continue
        day = evidence_day(alert.window)
        if day is None:
            continue
        current_evidence = _scored_by_production(ws, day, production)
        if current_evidence is None:  # by time: the deployment's day itself is mixed
            current_evidence = day > when.date()
        if current_evidence:
            continue
        what = KIND_WORDS.get(deployment.kind, "the deployment of")
        note = (
            f"evidence from before {what} {deployment.version} at "
            f"{when.strftime('%Y-%m-%d %H:%M')} UTC; awaiting labels"
        )
        out[alert.rule] = StaleEvidence(
            alert.rule,
            note,
            _estimate(ws, report, alert.metric, production, when.date()),
            when.isoformat(),
            deployment.version,
            scored_by(ws, day),
        )
    return out


def _estimate(
    ws: Workspace, report: CheckReport | None, metric: str, production: str, since: dt.date
) -> str:
    """The latest estimate of ``metric`` if it was computed on scores of ``production``."""
    base = metric.removesuffix("_estimated").removesuffix("_drop")
    check = report.get(f"{base}_estimated") if report is not None else None
    if check is None or check.value is None:
        return f"no estimate for {production} yet"
    day = evidence_day(check.window)
    scored = None if day is None else _scored_by_production(ws, day, production)
    if scored is None:  # by time: scores of the deployment's day count for the new model
        scored = day is not None and day >= since
    if not scored:
        return f"no scores of {production} estimated yet"
    shown = f"{check.value:.2%}" if base == "fpr" else f"{check.value:.3f}"
    name = METRIC_NAMES.get(base, base)
    return f"estimated {name} {shown} for {production} (scores of {check.window}, before labels)"
