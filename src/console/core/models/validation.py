"""The weekly model validation: backtest, metrics review, threshold validation.

* **Backtest**: production and every candidate score the *same* labelled rows of the
  last ``lookback_days`` days of the log; metrics per day, per week, overall and per
  segment, each model at its own threshold.
* **Metrics review**: each model's backtest beside its model card (the holdout
  metrics it was registered with); every metric that moved beyond the tolerance is
  said in one sentence.
* **Threshold validation**: on the last ``threshold_days`` labelled days, the threshold
  with the highest recall whose FPR stays at or below ``max_fpr``, beside production's
  current one, with the trade-off curve. :func:`adopt_threshold` (admin) registers
  production's pipeline with that threshold as a new patch version; it then goes
  through the normal checked promote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from console.core.base import clock, cluster, events
from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.models import labelled_log, registry, tradeoff, training

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace
    from console.core.models.registry import ModelVersion

REVIEWED = ("roc_auc", "pr_auc", "f1", "precision", "recall", "fpr")
CHUNK_ROWS = 100_000


@dataclass
class ValidationReport:
    summary: str
    ok: bool
    start: str
    end: str
    rows: int
    positives: int
    compute: str
    findings: list[str] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    threshold: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_models(
    ws: Workspace, models: list[ModelVersion], frame: pd.DataFrame, ctx: JobContext
) -> tuple[dict[str, np.ndarray], str]:
    """Every model's scores on the same rows (on the cluster's workers when configured),
    and where they were computed."""
    out: dict[str, np.ndarray] = {}
    with cluster.compute(ws.config.cluster) as where:
        for i, model in enumerate(models):
            ctx.progress(i / len(models), f"Scoring with {model.version} ({where.describe()})")
            pipeline = registry.load(ws, model.version)
            if where.local:
                out[model.version] = training.score(pipeline, frame, model.features)
                continue
            x = training.feature_frame(frame, model.features)
            chunks = [x.iloc[lo : lo + CHUNK_ROWS] for lo in range(0, len(x), CHUNK_ROWS)]
            parts = where.map(pipeline.predict_proba, chunks)
            out[model.version] = np.concatenate([p[:, 1] for p in parts]).astype(np.float64)
        return out, where.describe()


def _grouped(
    y: np.ndarray, s: np.ndarray, keys: np.ndarray, threshold: float, name: str
) -> list[dict[str, Any]]:
    rows = []
    for key in np.unique(keys):
        mask = keys == key
        rows.append({name: str(key), **tradeoff.metrics_at(y[mask], s[mask], threshold)})
    return rows


def backtest(
    ws: Workspace, model: ModelVersion, frame: pd.DataFrame, scores: np.ndarray
) -> dict[str, Any]:
    schema = ws.config.data_schema
    y = frame[schema.label].to_numpy()
    stamps = frame[schema.timestamp].dt.tz_convert("UTC")
    days = stamps.dt.strftime("%Y-%m-%d").to_numpy()
    monday = stamps.dt.normalize() - pd_days(stamps.dt.day_of_week)
    weeks = monday.dt.strftime("%Y-%m-%d").to_numpy()
    segments = {
        seg: _grouped(y, scores, frame[seg].astype(str).to_numpy(), model.threshold, "value")
        for seg in schema.segments
    }
    return {
        "version": model.version,
        "stage": model.stage,
        "threshold": model.threshold,
        "overall": tradeoff.metrics_at(y, scores, model.threshold),
        "per_day": _grouped(y, scores, days, model.threshold, "day"),
        "per_week": _grouped(y, scores, weeks, model.threshold, "week"),
        "per_segment": segments,
        "card": {k: model.metrics[k] for k in REVIEWED if k in model.metrics},
    }


def pd_days(values: Any) -> Any:
    import pandas as pd

    return pd.to_timedelta(values, unit="D")


def review(result: dict[str, Any], span: str, tolerance: float, fpr_tolerance: float) -> list[str]:
    """One sentence per metric that moved beyond its tolerance from the model card."""
    sentences = []
    for name in REVIEWED:
        card, now = result["card"].get(name), result["overall"].get(name)
        if card is None or now is None:
            continue
        limit = fpr_tolerance if name == "fpr" else tolerance
        delta = now - card
        if abs(delta) > limit:
            worse = delta > 0 if name == "fpr" else delta < 0
            verb = "rose" if delta > 0 else "fell"
            sentences.append(
                f"{result['version']} ({result['stage']}): {name} {verb} from {card:.3f} on its "
                f"card to {now:.3f} over {span} ({delta:+.3f}, beyond the ±{limit:g} tolerance"
                f"{'; worse' if worse else '; better'})."
            )
    return sentences


def run_validation(
    ws: Workspace, user: str, *, ctx: JobContext | None = None, now: dt.datetime | None = None
) -> ValidationReport:
    """Backtest, review and threshold validation over the labelled log (role check.run)."""
    ctx = ctx or JobContext()
    ws.authorize(user, "check.run", "validation")
    cfg = ws.config.validation
    label = ws.config.data_schema.label
    models = [m for m in registry.list_versions(ws) if m.stage in ("production", "candidate")]
    production = next((m for m in models if m.stage == "production"), None)
    if production is None:
        raise BadInput("no model is in production: nothing to validate")
    span_days = labelled_log.labelled_days(ws, cfg.lookback_days)
    if span_days is None:
        raise BadInput("the prediction log is empty: nothing to validate")
    start, end = span_days
    ctx.progress(0.02, f"Reading labelled predictions {start}..{end}")
    frame = labelled_log.labelled_rows(ws, start, end)
    positives = int(frame[label].sum()) if len(frame) else 0
    if len(frame) < cfg.min_labels:
        raise BadInput(
            f"only {len(frame)} labelled rows in {start}..{end} (need {cfg.min_labels}, "
            "[validation] min_labels): no verdict"
        )
    models.sort(key=lambda m: (m.stage != "production", m.version))
    start = max(start, frame[ws.config.data_schema.timestamp].iloc[0].date())  # labelled from
    scores, described = score_models(ws, models, frame, ctx.sub(0.05, 0.7))
    span = f"{start}..{end}"
    results, findings = [], []
    for i, model in enumerate(models):
        ctx.progress(0.7 + 0.2 * i / len(models), f"Backtesting {model.version}")
        result = backtest(ws, model, frame, scores[model.version])
        results.append(result)
        moved = review(result, span, cfg.tolerance, cfg.fpr_tolerance)
        findings += moved or [f"{model.version} ({model.stage}): every metric within tolerance "
                              f"of its card over {span}."]  # fmt: skip
    ctx.progress(0.92, "Validating the threshold")
    threshold = _threshold(ws, production, frame, scores[production.version], end)
    if threshold.get("proposed") is not None:
        findings.append(threshold["sentence"])
    ctx.progress(1.0, "Done")
    worse = any("; worse" in f for f in findings)
    return ValidationReport(
        summary=f"Validated {len(models)} model(s) on {len(frame):,} labelled rows ({span}): "
        f"{'metrics moved beyond tolerance' if worse else 'within tolerance'}",
        ok=not worse,
        start=str(start),
        end=str(end),
        rows=len(frame),
        positives=positives,
        compute=described,
        findings=findings,
        models=results,
        threshold=threshold,
        created_at=clock.iso(now),
    )


def _threshold(
    ws: Workspace, model: ModelVersion, frame: pd.DataFrame, scores: np.ndarray, end: dt.date
) -> dict[str, Any]:
    cfg = ws.config.validation
    schema = ws.config.data_schema
    first = dt.datetime.combine(end - dt.timedelta(days=cfg.threshold_days - 1), dt.time(), dt.UTC)
    mask = (frame[schema.timestamp] >= first).to_numpy()
    y = frame[schema.label].to_numpy()[mask]
    s = scores[mask]
    base = {"version": model.version, "current": model.threshold, "max_fpr": cfg.max_fpr,
            "days": f"{first.date()}..{end}", "rows": int(mask.sum())}  # fmt: skip
    if np.unique(y).size < 2:
        return {**base, "proposed": None, "sentence": "both classes are needed in the recent "
                "labelled days to validate the threshold"}  # fmt: skip
    proposed = tradeoff.threshold_for_recall(y, s, cfg.max_fpr)
    now_at = tradeoff.metrics_at(y, s, model.threshold)
    then_at = tradeoff.metrics_at(y, s, proposed)
    sentence = (
        f"Threshold of {model.version}: {model.threshold:.4f} gives recall {now_at['recall']:.3f} "
        f"at FPR {now_at['fpr']:.2%}; {proposed:.4f} gives the highest recall with FPR at most "
        f"{cfg.max_fpr:.0%}: recall {then_at['recall']:.3f} at FPR {then_at['fpr']:.2%} "
        f"({base['days']}, {base['rows']:,} rows)."
    )
    return {**base, "proposed": proposed, "current_point": now_at, "proposed_point": then_at,
            "sentence": sentence, "curve": tradeoff.curve(y, s)}  # fmt: skip


def adopt_threshold(
    ws: Workspace,
    user: str,
    report: dict[str, Any],
    *,
    reason: str,
    threshold: float | None = None,
    run_id: int | None = None,
) -> ModelVersion:
    """Register production's pipeline with the validated threshold as a new patch
    version, a candidate (role: admin); promote it with the checked promote."""
    ws.authorize(user, "model.adopt_threshold", "model:threshold")
    info = report.get("threshold") or {}
    if not reason.strip():
        raise BadInput("a reason is required: say why the threshold changes")
    chosen = threshold if threshold is not None else info.get("proposed")
    if chosen is None:
        raise BadInput("the validation run proposed no threshold; give one explicitly")
    if not 0.0 <= chosen <= 1.0:
        raise BadInput(f"threshold {chosen!r} is outside [0, 1]")
    production = registry.production(ws)
    if production is None or production.version != info.get("version"):
        raise BadInput(
            f"production is {production.version if production else 'none'}, not "
            f"{info.get('version')} as when the validation ran; run the validation again"
        )
    pipeline = registry.load(ws, production.version)
    golden = None
    if production.golden_path:
        golden = registry.load_golden(ws, production).drop(columns=[registry.EXPECTED_SCORE])
    point = info.get("proposed_point") if threshold is None else None
    metrics = dict(production.metrics)
    if point:
        metrics.update({k: v for k, v in point.items() if k in REVIEWED})
    version = registry.next_version(ws, "patch")
    notes = (
        f"Threshold of {production.version} moved from {production.threshold:.4f} to "
        f"{chosen:.4f}: {reason.strip()}"
    )
    model = registry.register_pipeline(
        ws, user, pipeline, version=version, threshold=chosen, features=production.features,
        metrics=metrics, notes=notes, dataset=production.dataset, golden=golden,
        card={"derived_from": production.version, "threshold_before": production.threshold,
              "validation_run": run_id, "validated_on": info.get("days"),
              "max_fpr": info.get("max_fpr")},
        action="model.adopt_threshold",
    )  # fmt: skip
    events.publish("registered", ws, version=model.version, derived_from=production.version)
    return model
