"""Small trained models for the registry, deploy and Models-page tests (trained once)."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from console.core.base.workspace import Workspace
from console.core.demo import data as demo_data
from console.core.models import registry, training
from console.core.models.registry import ModelVersion
from tests.conftest import make_predictions

FEATURES = dict(demo_data.FEATURES)


@functools.cache
def trained(seed: int) -> training.TrainedModel:
    """A baseline trained on 2 days x 1,200 rows (about a second); cached per seed."""
    frame = make_predictions(days=2, per_day=1200, seed=seed)
    return training.train_baseline(frame, FEATURES, "is_fraud", seed=seed)


def register(
    ws: Workspace,
    version: str,
    *,
    seed: int = 1,
    stage: str = "candidate",
    features: dict[str, str] | None = None,
    user: str = "alice",
    **extra: Any,
) -> ModelVersion:
    model = trained(seed)
    return registry.register_pipeline(
        ws,
        user,
        model.pipeline,
        version=version,
        threshold=model.threshold,
        features=features or FEATURES,
        metrics=model.metrics,
        notes=f"model {version} (seed {seed})",
        stage=stage,
        golden=model.holdout.head(300),
        **extra,
    )


def three_versions(root: Path) -> Path:
    """A closed workspace: 1.0.0 in production, candidates 1.1.0 (other seed) and 1.2.0."""
    with Workspace.create(root, "alice") as ws:
        register(ws, "1.0.0", stage="production")
        register(ws, "1.1.0", seed=2)
        register(ws, "1.2.0", seed=1)
    return root


@functools.cache
def shared_template() -> Path:
    """:func:`three_versions` built once per test session (removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="registry-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return three_versions(folder / "ws")


def copy_of(template: Path, root: Path) -> Workspace:
    """Open a fresh copy of a template workspace (much faster than registering again)."""
    shutil.copytree(template, root)
    return Workspace.open(root)
