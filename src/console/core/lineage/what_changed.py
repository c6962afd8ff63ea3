""" "What changed before this": the likely causes of an alert, ranked.

For a moment (an alert's start, or now) the answer lists, in this order:

1. changes of what runs - deployments that switched production from one version to
   another, and configuration versions - in the ``hours`` before it, newest first;
2. features that drifted in the last ``data_days`` logged days up to it, against the
   production model's training data, largest effect first (normalised Wasserstein
   distance for numbers, PSI for categories);
3. segments whose performance degraded in those days against the days before them
   (F1 drop or false-positive-rate rise, the larger as the effect);
4. other notable events in the window: refused batches, failed jobs, denials, alerts.

The first production version and the workspace's first configuration are where the
history starts, not changes, so they are not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.base.errors import BadInput, ConsoleError
from console.core.base.jobs import JobContext
from console.core.drift.settings import for_workspace
from console.core.lineage import timeline

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

HOURS = 72.0
DATA_DAYS = 3


@dataclass(frozen=True)
class Cause:
    rank: int  # 1 change of what runs, 2 drifted feature, 3 degraded segment, 4 other
    category: str
    title: str
    at: str = ""
    effect: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def alert_start(ws: Workspace, rule: str) -> dt.datetime:
    """When the alert's latest episode started (pending, else fired)."""
    row = ws.conn.execute(
        "SELECT pending_since, fired_at, since, state FROM alerts WHERE rule = ?", (rule,)
    ).fetchone()
    if row is None:
        raise BadInput(f"alert {rule!r} does not exist (see 'console alerts list')")
    started = row["pending_since"] or row["fired_at"]
    if not started:
        raise BadInput(f"alert {rule!r} has not fired ({row['state']})")
    return clock.parse_moment(started)


def what_changed(
    ws: Workspace,
    moment: dt.datetime | None = None,
    *,
    hours: float = HOURS,
    data_days: int = DATA_DAYS,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """The ranked causes before ``moment`` (default now)."""
    ctx = ctx or JobContext()
    until = moment or clock.now()
    since = until - dt.timedelta(hours=hours)
    ctx.progress(0.0, "Reading the timeline")
    window = timeline.events(ws, since=clock.iso(since), until=clock.iso(until))
    causes = [*_changes(window)]
    from console.core.drift import sources  # numpy and pandas: only when asked

    days = [d for d in sources.log_days(ws) if d <= until.date()][-data_days:]
    notes: list[str] = []
    if days:
        causes += _drifted(ws, days, ctx.sub(0.05, 0.7), notes)
        ctx.check()
        causes += _degraded(ws, days, until.date(), notes)
    else:
        notes.append("no predictions logged before that moment: drift and segments not judged")
    causes += _other(window)
    ctx.progress(1.0, "Done")
    return {
        "at": clock.iso(until),
        "since": clock.iso(since),
        "data_days": [d.isoformat() for d in days],
        "causes": [c.as_dict() for c in causes],
        "notes": notes,
        "events_in_window": len(window),
    }


def _changes(window: list[timeline.TimelineEvent]) -> list[Cause]:
    out = []
    for e in reversed(window):
        first = e.category == "deployment" and not e.details.get("from")
        # console.toml versions (with a source) count; the initial one and switches kept in
        # the database (security settings, made when a workspace is set up) do not
        initial = e.category == "config" and e.details.get("source") in (None, "initial")
        if e.outcome != "ok" or first:
            continue
        if e.category == "deployment" or (e.category == "config" and not initial):
            out.append(Cause(1, e.category, e.title, e.at, None, e.details))
    return out


def _drifted(ws: Workspace, days: list[dt.date], ctx: JobContext, notes: list[str]) -> list[Cause]:
    from console.core.drift import report

    spec = f"window:{days[0]}..{days[-1]}"
    try:
        result = report.analyze(ws, "production", spec, for_workspace(ws), ctx)
    except ConsoleError as exc:
        notes.append(f"drift not judged: {exc}")
        return []
    out = []
    for c in result.columns:
        if not c.drifted:
            continue
        effect = c.metrics.get("psi" if c.kind == "category" else "wasserstein_norm")
        measure = "PSI" if c.kind == "category" else "Wasserstein/std"
        size = f"{effect:.3f}" if effect is not None else "?"
        out.append(
            Cause(2, "drift", f"feature {c.name} drifted ({measure} {size}) in {spec[7:]}",
                  "", effect, {"feature": c.name, "method": c.method, "p_value": c.p_value,
                               "note": c.note})
        )  # fmt: skip
    return sorted(out, key=lambda c: -(c.effect or 0.0))


def _degraded(ws: Workspace, days: list[dt.date], until: dt.date, notes: list[str]) -> list[Cause]:
    from console.core.drift import concept_run, segments

    segs = list(ws.config.data_schema.segments)
    if not segs:
        return []
    frame, _ = concept_run.labelled_outcomes(ws, end=until)
    if frame.empty:
        notes.append("no labelled outcomes: segments not judged")
        return []
    stamp = ws.config.data_schema.timestamp
    out = []
    for s in segments.by_segment(frame, stamp, segs, recent_days=len(days)):
        if not s.flagged:
            continue
        f1_drop = (s.baseline.f1 or 0.0) - (s.recent.f1 or 0.0)
        fpr_rise = (s.recent.fpr or 0.0) - (s.baseline.fpr or 0.0)
        effect = max(f1_drop, fpr_rise)
        out.append(
            Cause(3, "segment", f"segment {s.column}={s.value} degraded: {s.reason}", "",
                  effect, {"column": s.column, "value": s.value, "f1_drop": f1_drop,
                           "fpr_rise": fpr_rise, "recent_rows": s.recent.n})
        )  # fmt: skip
    return sorted(out, key=lambda c: -(c.effect or 0.0))


def _other(window: list[timeline.TimelineEvent]) -> list[Cause]:
    out = []
    for e in reversed(window):
        notable = e.outcome not in ("ok",) or e.category in ("alert",)
        if notable and e.category not in ("deployment", "config"):
            out.append(Cause(4, e.category, e.title, e.at, None, {"ref": e.ref}))
    return out
