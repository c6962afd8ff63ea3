"""Small models and a workspace for the scoring-service tests (helpers, not tests)."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from console.core.base import db
from console.core.base.workspace import Workspace
from console.core.models import registry
from console.core.serving.metrics import ServiceMetrics
from console.core.serving.prediction_log import PredictionLog
from console.core.serving.server import ScoringService
from console.core.serving.settings import ServiceSettings
from tests.conftest import make_predictions

FEATURES = {"amount": "number", "hour": "integer", "card_age_days": "integer"}


@functools.cache
def fit(flip: bool = False):
    """A small fitted pipeline; ``flip`` trains on inverted labels (other scores)."""
    frame = make_predictions(days=1, per_day=300)
    x = frame[list(FEATURES)].astype(float)
    y = 1 - frame["is_fraud"] if flip else frame["is_fraud"]
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y)


def register(ws: Workspace, version: str, *, flip: bool = False, stage: str = "candidate"):
    return registry.register_pipeline(
        ws,
        "alice",
        fit(flip),
        version=version,
        threshold=0.5,
        features=FEATURES,
        metrics={"f1": 0.8},
        notes="test model",
        stage=stage,
    )


TOKEN = "test-service-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def with_models(ws: Workspace) -> Workspace:
    """1.0.0 in production, 1.1.0 a candidate scoring differently; the service-token
    credential set (the service wants it on loopback too)."""
    from console.core.security import credentials

    register(ws, "1.0.0", stage="production")
    register(ws, "1.1.0", flip=True)
    credentials.set_secret(ws, "alice", "service-token", TOKEN)
    return ws


def switch_production(ws: Workspace, version: str) -> None:
    """Move the production pointer in one transaction (what a promote does at its core)."""
    with db.write_transaction(ws.conn) as conn:
        conn.execute("UPDATE models SET stage = 'candidate' WHERE stage = 'production'")
        conn.execute("UPDATE models SET stage = 'production' WHERE version = ?", (version,))


def record(amount: float = 42.0, hour: int = 13, age: int = 400, **extra) -> dict:
    return {"amount": amount, "hour": hour, "card_age_days": age, **extra}


def expected_score(ws: Workspace, version: str, rec: dict) -> float:
    import pandas as pd

    pipeline = registry.load(ws, version)
    frame = pd.DataFrame({k: [float(rec[k])] for k in FEATURES})
    return float(np.asarray(pipeline.predict_proba(frame))[0, 1])


@contextmanager
def running(ws: Workspace, **settings) -> Iterator[ScoringService]:
    """A real uvicorn service on 127.0.0.1 (ephemeral port) in a thread; stopped after."""
    options = {"port": 0, "flush_seconds": 0.2, "poll_seconds": 0.05, **settings}
    service = ScoringService(ws, "alice", ServiceSettings(**options))
    service.start()
    try:
        yield service
    finally:
        service.stop()


def prediction_log_of(ws: Workspace) -> tuple[PredictionLog, ServiceMetrics]:
    """A prediction log of ``ws`` as the service makes one (stored ids learnt), and its
    metrics."""
    metrics = ServiceMetrics()
    log = PredictionLog(ws, "alice", "service:test", metrics)
    log.load_stored_ids()
    return log, metrics
