"""What other parts of the console need to know about drift, in plain dicts.

* :func:`drift_check` - the daily check "data_drift" (run_daily_checks turns the
  dict into a Check): the latest day of the prediction log against the production
  model's training data.
* :func:`latest_drift` - the last stored analysis (for the Overview and the alerts).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.base.errors import ConsoleError
from console.core.drift import report, sources
from console.core.drift.settings import for_workspace
from console.core.models import registry

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

CHECK_NAME = "data_drift"


def _check(
    status: str, explanation: str, *, value: float | None = None, n: int | None = None,
    window: str = "", threshold: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "name": CHECK_NAME,
        "value": value,
        "threshold": threshold,
        "status": status,
        "explanation": explanation,
        "n": n,
        "window": window,
    }


def drift_check(ws: Workspace, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The "data_drift" check: "warning" when the latest day drifted from the training data.

    Keys: name, value (share of drifted features), threshold (the dataset-drift share),
    status ("ok" | "warning" | "no_data"), explanation, n (rows of the day), window.
    Nothing is stored; the reference profile is cached between calls.
    """
    settings = for_workspace(ws)
    model = registry.production(ws)
    if model is None or model.dataset is None:
        return _check(
            "no_data",
            "no production model with a training dataset to compare with: register one with "
            "--dataset SHA256 and promote it, or compare with console drift --reference",
        )
    today = (now or clock.now()).astimezone(dt.UTC).date()
    days = [d for d in sources.log_days(ws) if d <= today]
    if not days:
        return _check("no_data", "no predictions logged yet")
    day = days[-1]
    window = f"window:{day}..{day}"
    try:
        result = report.analyze(ws, "production", window, settings, _quiet())
    except ConsoleError as exc:
        return _check("no_data", f"drift not computable: {exc}", window=str(day))
    if result.share_drifted is None:
        return _check(
            "no_data", "no feature could be tested (too few rows?)", n=result.n_current,
            window=str(day), threshold=settings.drift_share,
        )  # fmt: skip
    drifted = result.drifted_columns
    if result.dataset_drift:
        explanation = (
            f"{len(drifted)} of {len(result.columns)} features drifted on {day} "
            f"({result.share_drifted:.0%} >= {settings.drift_share:.0%}): {', '.join(drifted)}"
        )
    else:
        explanation = (
            f"{result.share_drifted:.0%} of features drifted on {day} "
            f"(dataset drift from {settings.drift_share:.0%})"
            + (f": {', '.join(drifted)}" if drifted else "")
        )
    return _check(
        "warning" if result.dataset_drift else "ok", explanation,
        value=result.share_drifted, n=result.n_current, window=str(day),
        threshold=settings.drift_share,
    )  # fmt: skip


def _quiet() -> Any:
    from console.core.base.jobs import JobContext

    return JobContext()


def latest_drift(ws: Workspace) -> dict[str, Any] | None:
    """The last stored data-drift analysis: id, when, reference, current, share_drifted,
    dataset_drift, drifted_columns, multivariate_drift; None when none was run."""
    row = ws.conn.execute(
        "SELECT id, created_at, user, reference, current, n_current, dataset_drift,"
        " share_drifted, drifted_columns, result FROM drift_runs WHERE kind = 'data'"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    doc = json.loads(row["result"])
    mv = doc.get("multivariate") or {}
    return {
        "id": row["id"],
        "when": row["created_at"],
        "user": row["user"],
        "reference": row["reference"],
        "current": row["current"],
        "n_current": row["n_current"],
        "share_drifted": row["share_drifted"],
        "dataset_drift": bool(row["dataset_drift"]),
        "drifted_columns": json.loads(row["drifted_columns"]),
        "multivariate_drift": mv.get("drifted"),
    }


@dataclass(frozen=True)
class DriftStatus:
    """The drift verdict every view shows, counted one way: drifted among tested features."""

    drifted: list[str]
    tested: int
    total: int
    share: float | None
    dataset_drift: bool
    current: str
    reference: str
    when: str

    @property
    def headline(self) -> str:
        """E.g. "4 of 8 tested features drifted" (+ how many could not be tested)."""
        untested = self.total - self.tested
        more = f"; {untested} not testable" if untested else ""
        return f"{len(self.drifted)} of {self.tested} tested features drifted{more}"

    @property
    def window(self) -> str:
        """What was compared: the current window against the reference."""
        return f"{self.current} vs {self.reference}"


def status_of(doc: dict[str, Any]) -> DriftStatus:
    """The status of one analysis document (a stored run's result or a fresh report)."""
    columns = doc.get("columns") or []
    tested = [c for c in columns if c.get("drifted") is not None]
    drifted = [str(c["name"]) for c in tested if c.get("drifted")]
    if not columns:  # a summary row without the per-column detail
        drifted = [str(c) for c in doc.get("drifted_columns") or []]
    return DriftStatus(
        drifted=drifted,
        tested=len(tested) if columns else len(drifted),
        total=len(columns) if columns else len(drifted),
        share=doc.get("share_drifted"),
        dataset_drift=bool(doc.get("dataset_drift")),
        current=str(doc.get("current", "")),
        reference=str(doc.get("reference", "")),
        when=str(doc.get("created_at") or doc.get("when") or ""),
    )


def drift_status(ws: Workspace) -> DriftStatus | None:
    """The last stored data-drift analysis as the Overview and the Drift page show it."""
    row = ws.conn.execute(
        "SELECT created_at, result FROM drift_runs WHERE kind = 'data' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    doc = json.loads(row["result"])
    doc.setdefault("created_at", row["created_at"])
    return status_of(doc)


__all__ = ["CHECK_NAME", "DriftStatus", "drift_check", "drift_status", "latest_drift", "status_of"]
