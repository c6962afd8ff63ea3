"""Model versions: safe artifacts (skops), content-addressed, checked on every load.

This is the registry's foundation: register a fitted scikit-learn pipeline as a
semantic version with its threshold, features, metrics and training dataset, and load
it back only after its SHA-256 and its recorded trusted types check out. No pickle is
ever read from disk.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core import clock
from console.core.errors import BadInput, WorkspaceError
from console.core.files import atomic_write_bytes, sha256_bytes, sha256_file

if TYPE_CHECKING:
    from console.core.workspace import Workspace

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
STAGES = ("production", "candidate", "archived")


@dataclass(frozen=True)
class ModelVersion:
    version: str
    stage: str
    sha256: str
    path: str
    trusted: list[str]
    threshold: float
    features: dict[str, str]
    metrics: dict[str, float]
    dataset: str | None
    notes: str
    author: str
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_version(text: str) -> tuple[int, int, int]:
    match = SEMVER.match(text)
    if not match:
        raise BadInput(f"version {text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def register_pipeline(
    ws: Workspace,
    user: str,
    pipeline: Any,
    *,
    version: str,
    threshold: float,
    features: dict[str, str],
    metrics: dict[str, float],
    notes: str,
    dataset: str | None = None,
    stage: str = "candidate",
) -> ModelVersion:
    """Store a fitted pipeline as a new version (role: admin).

    ``stage="production"`` is accepted only while no version is in production (the
    first model of a workspace); later changes of production are promotions.
    """
    import skops.io as sio

    parsed = parse_version(version)
    if stage not in ("production", "candidate"):
        raise BadInput(f"a new version's stage must be production or candidate, not {stage!r}")
    if not 0.0 <= threshold <= 1.0:
        raise BadInput(f"threshold {threshold!r} is outside [0, 1]")
    data = sio.dumps(pipeline)
    trusted = sorted(sio.get_untrusted_types(data=data))
    sha = sha256_bytes(data)
    path = ws.folder("artifacts") / f"{sha}.skops"
    with ws.change(user, "model.register", f"model:{version}") as ch:
        latest = _latest(ws)
        if latest is not None and parse_version(latest) >= parsed:
            raise BadInput(f"version {version} is not greater than the latest, {latest}")
        if stage == "production" and production(ws) is not None:
            raise BadInput("a version is already in production; promote instead")
        atomic_write_bytes(path, data)
        ch.conn.execute(
            "INSERT INTO models (version, stage, sha256, path, trusted, threshold, features,"
            " metrics, dataset, notes, author, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                version,
                stage,
                sha,
                ws.relative(path),
                json.dumps(trusted),
                threshold,
                json.dumps(features),
                json.dumps(metrics),
                dataset,
                notes,
                user,
                clock.iso(),
            ),
        )
        ch.details = {"sha256": sha, "stage": stage, "threshold": threshold, "dataset": dataset}
    result = get(ws, version)
    assert result is not None
    return result


def get(ws: Workspace, version: str) -> ModelVersion | None:
    row = ws.conn.execute("SELECT * FROM models WHERE version = ?", (version,)).fetchone()
    return _model(row) if row else None


def production(ws: Workspace) -> ModelVersion | None:
    row = ws.conn.execute("SELECT * FROM models WHERE stage = 'production'").fetchone()
    return _model(row) if row else None


def list_versions(ws: Workspace) -> list[ModelVersion]:
    rows = ws.conn.execute("SELECT * FROM models").fetchall()
    return sorted((_model(r) for r in rows), key=lambda m: parse_version(m.version), reverse=True)


def load(ws: Workspace, version: str) -> Any:
    """Load a version's pipeline after checking its hash and its trusted types."""
    import skops.io as sio

    model = get(ws, version)
    if model is None:
        raise BadInput(f"model version {version} is not registered")
    path = ws.root / model.path
    if not path.is_file():
        raise WorkspaceError(f"{path}: model artifact is missing")
    data = path.read_bytes()
    if sha256_bytes(data) != model.sha256:
        raise WorkspaceError(f"{path}: model artifact is corrupt or tampered (SHA-256 mismatch)")
    untrusted = set(sio.get_untrusted_types(data=data)) - set(model.trusted)
    if untrusted:
        raise WorkspaceError(f"{path}: artifact asks for untrusted types {sorted(untrusted)}")
    return sio.loads(data, trusted=model.trusted)


def verify_artifact(ws: Workspace, version: str) -> bool:
    model = get(ws, version)
    return model is not None and sha256_file(ws.root / model.path) == model.sha256


def _latest(ws: Workspace) -> str | None:
    versions = [r["version"] for r in ws.conn.execute("SELECT version FROM models")]
    return max(versions, key=parse_version) if versions else None


def _model(row: Any) -> ModelVersion:
    return ModelVersion(
        row["version"],
        row["stage"],
        row["sha256"],
        row["path"],
        json.loads(row["trusted"]),
        row["threshold"],
        json.loads(row["features"]),
        json.loads(row["metrics"]),
        row["dataset"],
        row["notes"],
        row["author"],
        row["created_at"],
    )
