"""A data-drift analysis end to end: resolve both sides, compare, store the result.

:func:`analyze_frames` is the pure computation (no workspace); :func:`run_drift` is the
job the CLI and the Drift page run: it checks the role, profiles the reference (cached),
compares the current side (and, for a window of several days, each day for the
heatmap), and stores the analysis in ``drift_runs`` with its audit entry.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.base.jobs import JobContext
from console.core.drift import multivariate, reference, sources, univariate
from console.core.drift.settings import DriftSettings, for_workspace

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace


@dataclass(frozen=True)
class DriftReport:
    reference: str
    current: str
    n_reference: int
    n_current: int
    columns: list[univariate.ColumnDrift]
    dataset_drift: bool
    share_drifted: float | None
    drift_share: float
    multivariate: multivariate.MultivariateDrift | None
    windows: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    created_at: str = ""

    @property
    def drifted_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.drifted]

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "created_at": self.created_at,
            "reference": self.reference,
            "current": self.current,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "dataset_drift": self.dataset_drift,
            "share_drifted": self.share_drifted,
            "drift_share": self.drift_share,
            "drifted_columns": self.drifted_columns,
            "multivariate": self.multivariate.as_dict() if self.multivariate else None,
            "columns": [c.as_dict() for c in self.columns],
            "windows": self.windows,
            "settings": self.settings,
        }
        safe: dict[str, Any] = json_safe(data)
        return safe


def json_safe(value: Any) -> Any:
    """NaN and infinities become None so the document is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def dataset_verdict(
    columns: list[univariate.ColumnDrift], settings: DriftSettings
) -> tuple[bool, float | None]:
    tested = [c for c in columns if c.drifted is not None]
    if not tested:
        return False, None
    share = sum(1 for c in tested if c.drifted) / len(tested)
    return share >= settings.drift_share, share


def numeric_columns(kinds: dict[str, str]) -> list[str]:
    return [n for n, k in kinds.items() if k != "category"]


def analyze_frames(
    ref_frame: pd.DataFrame,
    cur_frame: pd.DataFrame,
    kinds: dict[str, str],
    settings: DriftSettings | None = None,
    *,
    reference_key: str = "",
    ctx: JobContext | None = None,
    profile: reference.ReferenceProfile | None = None,
) -> DriftReport:
    """Compare two frames column by column (and jointly); nothing is stored."""
    settings = settings or DriftSettings()
    ctx = ctx or JobContext()
    if profile is None:
        profile = reference.build_profile(
            reference_key, ref_frame, kinds, bins=settings.bins, ctx=ctx.sub(0.0, 0.3)
        )
    return compare_profile(profile, ref_frame, cur_frame, kinds, settings, ctx=ctx.sub(0.3, 1.0))


def compare_profile(
    profile: reference.ReferenceProfile,
    ref_frame: pd.DataFrame | None,
    cur_frame: pd.DataFrame,
    kinds: dict[str, str],
    settings: DriftSettings,
    *,
    ctx: JobContext,
    reference_label: str = "",
    current_label: str = "",
) -> DriftReport:
    columns = univariate.compare_frame(profile, cur_frame, kinds, settings, ctx=ctx.sub(0, 0.85))
    mv = None
    if settings.multivariate:
        ctx.progress(0.9, "Multivariate check")
        model = profile.extras.get("pca", "unset")
        if model == "unset" and ref_frame is not None:
            model = multivariate.fit(ref_frame, numeric_columns(kinds))
            profile.extras["pca"] = model
        if model != "unset":
            mv = multivariate.compare(model, cur_frame)
    drift, share = dataset_verdict(columns, settings)
    ctx.progress(1.0, "Done")
    return DriftReport(
        reference_label or profile.key, current_label, profile.rows, len(cur_frame), columns,
        drift, share, settings.drift_share, mv, settings=settings.as_dict(),
    )  # fmt: skip


def run_drift(
    ws: Workspace,
    user: str,
    reference_spec: str,
    current_spec: str,
    *,
    settings: DriftSettings | None = None,
    ctx: JobContext | None = None,
    store_result: bool = True,
    allow_overlap: bool = False,
) -> DriftReport:
    """Analyse data drift of ``current_spec`` against ``reference_spec`` (role drift.run).

    Overlapping sides are refused unless ``allow_overlap`` (see sources.check_overlap).
    """
    settings = settings or for_workspace(ws)
    ctx = ctx or JobContext()
    ws.authorize(user, "drift.run", f"drift:{current_spec}")
    report = analyze(ws, reference_spec, current_spec, settings, ctx, allow_overlap=allow_overlap)
    if not store_result:
        return report
    ctx.check()  # a cancel that arrives after the last progress report still wins
    return store(ws, user, report, kind="data")


def analyze(
    ws: Workspace, reference_spec: str, current_spec: str, settings: DriftSettings,
    ctx: JobContext, *, allow_overlap: bool = False,
) -> DriftReport:  # fmt: skip
    """Resolve both specs, compare (reference profile cached); no role check, nothing stored."""
    kinds = sources.feature_kinds(ws)
    ref_side = sources.resolve(ws, reference_spec, reference=True)
    cur_side = sources.resolve(ws, current_spec, reference=False)
    if not allow_overlap:
        sources.check_overlap(ref_side, cur_side)
    ctx.progress(0.0, f"Reading {ref_side.label}")
    loaded: dict[str, pd.DataFrame] = {}

    def load_ref() -> pd.DataFrame:
        loaded["ref"] = sources.load(ws, ref_side, list(kinds))
        return loaded["ref"]

    profile = reference.cached_profile(
        ref_side.key, load_ref, kinds, bins=settings.bins, ctx=ctx.sub(0.05, 0.3)
    )
    if settings.multivariate and "pca" not in profile.extras:
        ref_frame = loaded["ref"] if "ref" in loaded else load_ref()
        profile.extras["pca"] = multivariate.fit(ref_frame, numeric_columns(kinds))
    ctx.progress(0.3, f"Reading {cur_side.label}")
    cur = sources.load(ws, cur_side, list(kinds))
    report = compare_profile(
        profile, None, cur, kinds, settings, ctx=ctx.sub(0.35, 0.75),
        reference_label=ref_side.label, current_label=cur_side.label,
    )  # fmt: skip
    windows = _windows(ws, profile, cur, kinds, settings=settings, ctx=ctx.sub(0.75, 1.0))
    return DriftReport(**{**report.__dict__, "windows": windows})


def _windows(
    ws: Workspace, profile: reference.ReferenceProfile, cur: pd.DataFrame,
    kinds: dict[str, str], *, settings: DriftSettings, ctx: JobContext,
) -> list[dict[str, Any]]:  # fmt: skip
    """Per-day scores for the heatmap when the current side is a window of several days."""
    stamp = ws.config.data_schema.timestamp
    if stamp not in cur.columns or cur.empty:
        return []
    days = cur[stamp].dt.strftime("%Y-%m-%d")
    unique = sorted(days.unique())
    if len(unique) < 2:
        return []
    out: list[dict[str, Any]] = []
    quiet = DriftSettings(**{**settings.__dict__, "multivariate": False})
    for i, day in enumerate(unique):
        ctx.progress(i / len(unique), f"Window {day}")
        part = cur[days == day]
        cols = univariate.compare_frame(profile, part, kinds, quiet, threads=1)
        drift, share = dataset_verdict(cols, quiet)
        out.append(
            {
                "window": day,
                "rows": len(part),
                "scores": {c.name: c.score for c in cols},
                "drifted": {c.name: c.drifted for c in cols},
                "share_drifted": share,
                "dataset_drift": drift,
            }
        )
    return json_safe(out)  # type: ignore[no-any-return]


def store(ws: Workspace, user: str, report: DriftReport, *, kind: str) -> DriftReport:
    created = clock.iso()
    with ws.change(user, "drift.run", f"drift:{report.current}") as ch:
        body = DriftReport(**{**report.__dict__, "created_at": created})
        cur = ch.conn.execute(
            "INSERT INTO drift_runs (kind, created_at, user, reference, current, n_reference,"
            " n_current, dataset_drift, share_drifted, drifted_columns, result)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                kind, created, user, report.reference, report.current, report.n_reference,
                report.n_current, int(report.dataset_drift), report.share_drifted,
                json.dumps(report.drifted_columns), json.dumps(body.as_dict()),
            ),
        )  # fmt: skip
        ch.details = {
            "reference": report.reference,
            "current": report.current,
            "dataset_drift": report.dataset_drift,
            "share_drifted": report.share_drifted,
            "drifted_columns": report.drifted_columns,
        }
    return DriftReport(**{**body.__dict__, "id": cur.lastrowid})


def stored_runs(ws: Workspace, kind: str = "data", limit: int = 20) -> list[dict[str, Any]]:
    """The last stored analyses of ``kind`` as their JSON documents (newest first)."""
    rows = ws.conn.execute(
        "SELECT id, result FROM drift_runs WHERE kind = ? ORDER BY id DESC LIMIT ?", (kind, limit)
    ).fetchall()
    out = []
    for row in rows:
        doc = json.loads(row["result"])
        doc["id"] = row["id"]
        out.append(doc)
    return out


@dataclass(frozen=True)
class DriftRunSummary:
    """One stored drift analysis, as the history lists it."""

    id: int
    kind: str  # data | concept
    created_at: str
    user: str
    reference: str | None
    current: str | None
    dataset_drift: bool | None
    share_drifted: float | None
    drifted_columns: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_history(ws: Workspace, limit: int = 20) -> list[DriftRunSummary]:
    """The last stored analyses of every kind, newest first."""
    rows = ws.conn.execute(
        "SELECT id, kind, created_at, user, reference, current, dataset_drift, share_drifted,"
        " drifted_columns FROM drift_runs ORDER BY id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [
        DriftRunSummary(
            id=int(r["id"]),
            kind=str(r["kind"]),
            created_at=str(r["created_at"]),
            user=str(r["user"]),
            reference=r["reference"],
            current=r["current"],
            dataset_drift=None if r["dataset_drift"] is None else bool(r["dataset_drift"]),
            share_drifted=r["share_drifted"],
            drifted_columns=r["drifted_columns"],
        )
        for r in rows
    ]
