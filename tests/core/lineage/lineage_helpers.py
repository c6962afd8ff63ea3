"""A workspace with a lineage worth asking about, built once per test session.

Two landing files -> dataset ``train-a`` -> model 1.0.0 (first production);
``train-a`` -> ``train-b`` (newer rows) -> model 1.1.0, promoted; a config change;
then a rollback to 1.0.0. ``MARKS`` holds moments between those events.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import keyring

from console.core.base import clock, config_versions
from console.core.base.workspace import Workspace
from console.core.data import dataset_builds, datasets
from console.core.models import deploy
from console.core.models import deploy_checks as verification
from tests.conftest import make_predictions
from tests.core.registry_helpers import register


def _pause() -> str:
    """A moment strictly between two events (timestamps have millisecond resolution)."""
    time.sleep(0.01)
    moment = clock.iso()
    time.sleep(0.01)
    return moment


def build(root: Path) -> dict[str, Any]:
    marks: dict[str, Any] = {"before": _pause()}
    saved = (deploy._running_service, verification.LATENCY_CALLS, verification.LATENCY_P99_MS)
    deploy._running_service = lambda _ws: None  # type: ignore[assignment]
    verification.LATENCY_CALLS, verification.LATENCY_P99_MS = 5, 10_000.0
    try:
        with Workspace.create(root, "alice") as ws:
            landing = root / "landing"
            landing.mkdir()
            frame = make_predictions(days=2, per_day=400, seed=3)
            first = frame.iloc[:400].drop(columns=["score", "decision"])
            second = frame.iloc[400:].drop(columns=["score", "decision"])
            first.to_csv(landing / "day1.csv", index=False)
            second.to_parquet(landing / "day2.parquet", index=False)
            a = dataset_builds.from_files(
                ws, "alice", "train-a", [landing / "day1.csv", landing / "day2.parquet"],
                transform="two landing files",
            )  # fmt: skip
            b = datasets.register_frame(
                ws, "alice", "train-b", first.tail(300).reset_index(drop=True),
                parent=a.sha256, transform="the newest 300 rows",
            )  # fmt: skip
            marks["datasets"] = {"a": a.sha256, "b": b.sha256}
            register(ws, "1.0.0", stage="production", dataset=a.sha256,
                     parameters={"recipe": "train_baseline", "seed": 1})  # fmt: skip
            marks["v1_live"] = _pause()
            register(ws, "1.1.0", seed=2, dataset=b.sha256,
                     parameters={"recipe": "train_baseline", "seed": 2})  # fmt: skip
            deploy.promote(ws, "alice", "1.1.0", reason="better recall on new rows")
            marks["v11_live"] = _pause()
            text = ws.config_path.read_text().replace("f1_warning = 0.75", "f1_warning = 0.78")
            config_versions.save(ws, "alice", text, reason="warn earlier")
            marks["config_2"] = _pause()
            deploy.rollback(ws, "alice", reason="too many false positives")
            marks["rolled_back"] = _pause()
        marks["keyring"] = dict(getattr(keyring.get_keyring(), "secrets", {}))
    finally:
        deploy._running_service = saved[0]  # type: ignore[method-assign]
        verification.LATENCY_CALLS, verification.LATENCY_P99_MS = saved[1], saved[2]
    return marks


@functools.cache
def template() -> tuple[Path, dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="lineage-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    marks = build(folder / "ws")
    return folder / "ws", marks


def copy(root: Path) -> tuple[Workspace, dict[str, Any]]:
    source, marks = template()
    shutil.copytree(source, root)
    getattr(keyring.get_keyring(), "secrets", {}).update(marks["keyring"])  # the data key
    return Workspace.open(root), marks
