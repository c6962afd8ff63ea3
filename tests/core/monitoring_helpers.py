"""Shared helpers of the monitoring tests: a small store with labels, fake partners."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from console.core.base.workspace import Workspace
from console.core.data import ingest
from console.core.monitoring import partners
from tests.conftest import make_predictions

START = "2026-11-01"


def ingest_frame(ws: Workspace, kind: str, frame: pd.DataFrame, source: str) -> None:
    ingest.ingest_table(
        ws, "alice", kind, pa.Table.from_pandas(frame, preserve_index=False), source=source
    )


def fill(
    ws: Workspace,
    *,
    days: int = 4,
    per_day: int = 400,
    label_days: int | None = None,
    delay_hours: float = 12.0,
    seed: int = 3,
) -> pd.DataFrame:
    """Predictions for ``days`` days; labels (``delay_hours`` late) for the first
    ``label_days`` of them. Returns the frame with its ``is_fraud`` column."""
    frame = make_predictions(days=days, per_day=per_day, seed=seed, start=START)
    ingest_frame(ws, "predictions", frame.drop(columns=["is_fraud"]), "test:predictions")
    label_days = days if label_days is None else label_days
    first = pd.Timestamp(START, tz="UTC")
    labelled = frame[frame["ts"] < first + pd.Timedelta(days=label_days)]
    if len(labelled):
        labels = pd.DataFrame(
            {
                "transaction_id": labelled["transaction_id"],
                "label": labelled["is_fraud"].astype("int64"),
                "labelled_at": labelled["ts"] + pd.Timedelta(hours=delay_hours),
            }
        )
        ingest_frame(ws, "labels", labels, "test:labels")
    return frame


def at(day: int, hour: int = 6) -> dt.datetime:
    """A moment ``day`` days after START (UTC)."""
    return dt.datetime.fromisoformat(START).replace(tzinfo=dt.UTC) + dt.timedelta(
        days=day, hours=hour
    )


class FakeService:
    url = "http://127.0.0.1:8711"
    host = "127.0.0.1"
    port = 8711
    pid = 0
    started_at = "2026-11-01T00:00:00+00:00"
    tls = False


def fake_partners(
    monkeypatch: pytest.MonkeyPatch, *, drift: str = "ok", service: Any = None
) -> None:
    """Stand-ins for the drift and service packages, so the checks are tested alone."""
    check = {
        "name": "data_drift",
        "value": 0.1 if drift == "ok" else 0.6,
        "threshold": 0.5,
        "status": drift,
        "explanation": "share of drifted columns",
        "n": 100,
        "window": "last day",
    }
    monkeypatch.setattr(partners, "drift_check", lambda ws, now=None: dict(check))
    monkeypatch.setattr(partners, "latest_drift", lambda ws: None)
    monkeypatch.setattr(partners, "running_service", lambda ws: service)


def labels_array(frame: pd.DataFrame) -> np.ndarray:
    return frame["is_fraud"].to_numpy()
