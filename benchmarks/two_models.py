"""A benchmark workspace with two demo-recipe models: 1.0.0 in production, 1.1.0 a
candidate, each with a golden set. Shared by the rollback and serving benchmarks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def build_two_models(root: Path, user: str, *, days: int, per_day: int, golden_rows: int) -> None:
    from console.core.base.workspace import Workspace
    from console.core.demo.data import generate_transactions
    from console.core.models import registry, training

    with Workspace.create(root, user) as ws:
        features = dict(ws.config.data_schema.features)
        train = generate_transactions(dt.date(2026, 10, 1), days, per_day, seed=7)
        for version, seed, max_fpr, stage in (
            ("1.0.0", 7, 0.01, "production"),
            ("1.1.0", 8, 0.005, "candidate"),
        ):
            model = training.train_baseline(train, features, "is_fraud", seed=seed, max_fpr=max_fpr)
            registry.register_pipeline(
                ws,
                user,
                model.pipeline,
                version=version,
                threshold=model.threshold,
                features=features,
                metrics=model.metrics,
                notes=f"benchmark model {version}",
                stage=stage,
                golden=model.holdout.sample(n=golden_rows, random_state=seed),
            )
