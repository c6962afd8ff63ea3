"""The monthly retraining: a new candidate from the training data plus the labelled log.

1. **Data**: production's training dataset version (its bytes must still hash to its
   name) plus the labelled prediction log of the last ``recent_days`` days, in time
   order. The most recent ``holdout_days`` are held out; the rest is trained on.
2. **Search**: successive halving with time-ordered cross-validation
   (:mod:`console.core.models.search`), in a child process that Cancel terminates.
3. **Threshold**: the highest recall with FPR at most ``[validation] max_fpr`` on the
   held-out period (the most recent labelled data).
4. **Card**: the candidate beside production on the same held-out rows (metrics, per
   segment, trade-off curves), what differs in their cards, and what makes it
   reproducible (seed, library versions, dataset version, console version, and a model
   fingerprint that equal inputs reproduce).
5. **Register**: the combined data as a dataset version (parent: the training
   dataset), then the model as a *candidate*, never promoted by this job. Both happen
   after the last point where Cancel can act, so a cancelled run registers nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from console import __version__
from console.core.base import clock, cluster, events
from console.core.base.errors import BadInput, WorkspaceError
from console.core.base.jobs import JobContext
from console.core.data import datasets, derivations
from console.core.models import (
    fingerprint,
    labelled_log,
    registry,
    search,
    tradeoff,
    training,
)

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace
    from console.core.models.registry import ModelVersion

GOLDEN_ROWS = 1_000
COMPARED = ("roc_auc", "pr_auc", "f1", "precision", "recall", "fpr")


@dataclass
class RetrainingReport:
    summary: str
    ok: bool
    candidate: str
    production: str
    dataset: dict[str, Any]
    holdout: dict[str, Any]
    search: dict[str, Any]
    threshold: float
    comparison: list[dict[str, Any]]
    per_segment: dict[str, list[dict[str, Any]]]
    card_diff: list[dict[str, Any]]
    reproducibility: dict[str, Any]
    compute: str
    findings: list[str] = field(default_factory=list)
    curves: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrainingData:
    frame: pd.DataFrame  # features, timestamp, label; time order
    source: datasets.DatasetVersion
    log_rows: int
    log_span: str


def gather(ws: Workspace, production: ModelVersion) -> TrainingData:
    """Production's training dataset plus the recent labelled log, in time order."""
    import pandas as pd

    cfg = ws.config.retraining
    schema = ws.config.data_schema
    if production.dataset is None:
        raise BadInput(f"production {production.version} has no training dataset to retrain on")
    source = datasets.get(ws, production.dataset)
    if source is None:
        raise BadInput(f"training dataset {production.dataset[:12]} is not registered")
    try:
        base = datasets.load(ws, production.dataset)
    except WorkspaceError as exc:
        raise BadInput(f"retraining refused: {exc}") from None
    label = cfg.label_column
    needed = [*production.features, schema.timestamp, label]
    missing = [c for c in needed if c not in base.columns]
    if missing:
        raise BadInput(
            f"training dataset {source.name} ({source.sha256[:12]}) lacks column(s) "
            f"{', '.join(missing)} ([retraining] label_column = {label!r})"
        )
    base = base.loc[:, needed]
    log_rows, span = 0, "none"
    days = labelled_log.labelled_days(ws, cfg.recent_days) if cfg.recent_days else None
    if days is not None:
        recent = labelled_log.labelled_rows(ws, *days)
        recent = recent.rename(columns={schema.label: label}).loc[:, needed]
        log_rows, span = len(recent), f"{days[0]}..{days[1]}"
        base = pd.concat([base, recent], ignore_index=True)
    base[schema.timestamp] = pd.to_datetime(base[schema.timestamp], utc=True)
    frame = base.sort_values(schema.timestamp, kind="stable").reset_index(drop=True)
    if len(frame) > cfg.max_rows:
        raise BadInput(f"{len(frame):,} rows exceed [retraining] max_rows ({cfg.max_rows:,})")
    return TrainingData(frame, source, log_rows, span)


def split(ws: Workspace, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(training rows, held-out most recent days, the held-out span); refuses bad data."""
    cfg = ws.config.retraining
    stamp, label = ws.config.data_schema.timestamp, cfg.label_column
    y = frame[label].to_numpy()
    if len(frame) == 0 or not np.isin(y, (0, 1)).all():
        raise BadInput(f"retraining data: label {label!r} must be 0/1 on every row")
    last = frame[stamp].iloc[-1].normalize()
    first_held = last - dt.timedelta(days=cfg.holdout_days - 1)
    held = (frame[stamp] >= first_held).to_numpy()
    train, holdout = frame[~held], frame[held]
    span = f"{first_held.date()}..{last.date()}"
    for part, rows in (("training", train), ("held-out", holdout)):
        counts = np.bincount(rows[label].to_numpy().astype(np.int64), minlength=2)
        if counts.min() == 0:
            raise BadInput(
                f"retraining refused: the {part} rows ({len(rows):,}) have only one class "
                f"({counts[0]:,} negatives, {counts[1]:,} positives)"
            )
    positives = int(train[label].sum())
    if positives < cfg.folds:
        raise BadInput(
            f"retraining refused: {positives} positive training row(s), fewer than the "
            f"{cfg.folds} cross-validation folds"
        )
    return train, holdout, span


def retrain(
    ws: Workspace, user: str, *, ctx: JobContext | None = None, now: dt.datetime | None = None
) -> RetrainingReport:
    """Retrain into a new candidate version (role: operator; see the module docstring)."""
    ctx = ctx or JobContext()
    ws.authorize(user, "model.retrain", "model:retraining")
    cfg = ws.config.retraining
    schema = ws.config.data_schema
    production = registry.production(ws)
    if production is None:
        raise BadInput("no model is in production: nothing to retrain from")
    ctx.progress(0.01, "Reading the training dataset and the labelled log")
    data = gather(ws, production)
    train, holdout, held_span = split(ws, data.frame)
    features = production.features
    days = max(1.0, (train[schema.timestamp].iloc[-1] - train[schema.timestamp].iloc[0]).days)
    gap_rows = round(cfg.gap_days * len(train) / days)
    if len(train) // (cfg.folds + 1) <= 0 or len(train) - gap_rows < 2 * (cfg.folds + 1):
        raise BadInput(f"{len(train):,} training rows are too few for {cfg.folds} folds")
    with cluster.compute(ws.config.cluster) as where:  # fails now if the cluster is down
        address, described = where.address, where.describe()
    inp = search.SearchInput(
        x=training.feature_frame(train, features),
        y=train[cfg.label_column].to_numpy().astype(np.int8),
        features=features, seed=cfg.seed, candidates=cfg.candidates, factor=cfg.factor,
        folds=cfg.folds, gap_rows=gap_rows, rounds=tuple(cfg.rounds), cluster=address,
        cluster_timeout_s=ws.config.cluster.timeout_s,
    )  # fmt: skip
    ctx.progress(0.05, f"Searching hyper-parameters ({described})")
    found = search.run_in_child(inp, ctx.sub(0.05, 0.85))
    ctx.progress(0.86, "Comparing with production on the held-out period")
    model_bytes: bytes = found.pop("model")
    pipeline = _load(model_bytes)
    y_hold = holdout[cfg.label_column].to_numpy().astype(np.int8)
    cand_scores = training.score(pipeline, holdout, features)
    prod_scores = training.score(registry.load(ws, production.version), holdout, features)
    max_fpr = ws.config.validation.max_fpr
    threshold = tradeoff.threshold_for_recall(y_hold, cand_scores, max_fpr)
    cand_at = tradeoff.metrics_at(y_hold, cand_scores, threshold)
    prod_at = tradeoff.metrics_at(y_hold, prod_scores, production.threshold)
    comparison = [
        {"metric": k, "production": prod_at.get(k), "candidate": cand_at.get(k),
         "change": (cand_at[k] - prod_at[k]) if k in cand_at and k in prod_at else None}
        for k in COMPARED
    ]  # fmt: skip
    per_segment = {
        seg: _segments(holdout[seg].astype(str).to_numpy(), y_hold, prod=prod_scores,
                       prod_thr=production.threshold, cand=cand_scores, cand_thr=threshold)
        for seg in schema.segments if seg in holdout.columns
    }  # fmt: skip
    version = registry.next_version(ws, "minor")
    repro = {
        "seed": cfg.seed,
        "libraries": search.library_versions(),
        "console_version": __version__,
        "training_dataset": production.dataset,
        "model_fingerprint": fingerprint.of_skops(model_bytes),
        "deterministic": "retraining the same dataset version with the same seed, settings "
        "and library versions gives the same model fingerprint; the artifact's SHA-256 "
        "differs between runs because skops stores object ids and times in the file",
    }
    held = {"span": held_span, "rows": len(holdout), "positives": int(y_hold.sum())}
    ctx.progress(0.95, "Registering the dataset version and the candidate")
    ctx.check()  # the last point where Cancel acts: nothing registered yet
    dataset = datasets.register_frame(
        ws, user, f"retraining-{clock.iso(now)[:10]}", data.frame, parent=data.source.sha256,
        transform=f"training dataset {data.source.sha256[:12]} + labelled log {data.log_span} "
        f"({data.log_rows:,} rows), sorted by time",
        kind="assembly", inputs=[derivations.Input("log", data.log_span)],
        parameters={"log_rows": data.log_rows, "log_span": data.log_span},
    )  # fmt: skip
    card = {"retraining": {"search": {k: v for k, v in found.items() if k != "top"},
                           "held_out": held, "compared_with": production.version,
                           "max_fpr": max_fpr, "threshold_rule": "highest recall with FPR "
                           f"at most {max_fpr:g} on the held-out period"},
            "reproducibility": repro}  # fmt: skip
    candidate = registry.register_pipeline(
        ws, user, pipeline, version=version, threshold=threshold, features=features,
        metrics=cand_at, dataset=dataset.sha256, stage="candidate",
        golden=holdout.sample(n=min(GOLDEN_ROWS, len(holdout)), random_state=cfg.seed),
        notes=f"Monthly retraining of {production.version} on {len(train):,} rows "
        f"(dataset {dataset.sha256[:12]}); {found['scoring']} {found['best_score']:.4f} in "
        f"time-ordered cross-validation; threshold for FPR at most {max_fpr:g}.",
        card=card, action="model.retrain",
    )  # fmt: skip
    events.publish("registered", ws, version=candidate.version, retrained_from=production.version)
    ctx.progress(1.0, "Done")
    better = cand_at.get("pr_auc", 0.0) >= prod_at.get("pr_auc", 0.0)
    findings = [_sentence(r, held_span) for r in comparison if r["change"] is not None]
    return RetrainingReport(
        summary=f"Candidate {candidate.version} trained on {len(train):,} rows; on the held-out "
        f"{held_span} its PR AUC is {cand_at.get('pr_auc', 0):.3f} against production "
        f"{production.version}'s {prod_at.get('pr_auc', 0):.3f}",
        ok=better, candidate=candidate.version, production=production.version,
        dataset={**dataset.as_dict(), "log_rows": data.log_rows, "log_span": data.log_span},
        holdout=held, search=found, threshold=threshold, comparison=comparison,
        per_segment=per_segment, card_diff=card_diff(production, candidate),
        reproducibility=repro, compute=described, findings=findings,
        curves={"production": tradeoff.curve(y_hold, prod_scores),
                "candidate": tradeoff.curve(y_hold, cand_scores)},
    )  # fmt: skip


def _load(data: bytes) -> Any:
    import skops.io as sio

    with registry.SKOPS_LOCK:
        types = sorted(sio.get_untrusted_types(data=data))
    registry.refuse_untrusted(types, "retrained model")
    with registry.SKOPS_LOCK:
        return sio.loads(data, trusted=types)


def _segments(
    values: np.ndarray, y: np.ndarray, *, prod: np.ndarray, prod_thr: float, cand: np.ndarray,
    cand_thr: float,
) -> list[dict[str, Any]]:  # fmt: skip
    rows = []
    for value in np.unique(values):
        m = values == value
        p, c = (
            tradeoff.metrics_at(y[m], prod[m], prod_thr),
            tradeoff.metrics_at(y[m], cand[m], cand_thr),
        )
        rows.append({"value": str(value), "rows": int(m.sum()), "positives": int(y[m].sum()),
                     "production_recall": p["recall"], "candidate_recall": c["recall"],
                     "production_fpr": p["fpr"], "candidate_fpr": c["fpr"]})  # fmt: skip
    return rows


def _sentence(row: dict[str, Any], span: str) -> str:
    change = row["change"]
    direction = "higher" if change > 0 else ("lower" if change < 0 else "equal")
    return (
        f"{row['metric']}: candidate {row['candidate']:.3f}, production {row['production']:.3f} "
        f"on {span} ({direction}, {change:+.3f})."
    )


def card_diff(before: ModelVersion, after: ModelVersion) -> list[dict[str, Any]]:
    """Fields of the two model cards that differ."""
    rows: list[dict[str, Any]] = []
    for name in ("threshold", "dataset", "features", "sha256", "author"):
        a, b = getattr(before, name), getattr(after, name)
        if a != b:
            rows.append({"field": name, "production": a, "candidate": b})
    for key in sorted(set(before.metrics) | set(after.metrics)):
        a, b = before.metrics.get(key), after.metrics.get(key)
        if a != b:
            rows.append({"field": f"metrics.{key}", "production": a, "candidate": b})
    return rows
