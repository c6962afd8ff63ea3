"""Model versions: safe artifacts (skops), content-addressed, checked on every load.

Register a fitted scikit-learn pipeline as a semantic version with its model card
(threshold, feature schema, holdout metrics, training dataset, change notes) and a
golden set (feature rows with the scores this version must reproduce), and load it back
only after its SHA-256 and its recorded trusted types check out. No pickle is ever read
from disk here: :mod:`console.core.models.model_import` handles files, and unpickling only as an
explicit, audited admin action.
"""

from __future__ import annotations

import io
import json
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.base.errors import BadInput, WorkspaceError
from console.core.base.files import atomic_write_bytes, sha256_bytes, sha256_file
from console.core.data import derivations

if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

    import pandas as pd

    from console.core.base.workspace import Workspace

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
STAGES = ("production", "candidate", "archived")
BUMPS = ("major", "minor", "patch")
EXPECTED_SCORE = "expected_score"
#: Modules whose types a model artifact may ask for. Anything else is refused by name.
TRUSTED_MODULES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")
#: Single types allowed besides those modules (scikit-learn stores partials of its own
#: functions; the wrapped function is listed, and checked, separately).
TRUSTED_TYPES = frozenset({"functools.partial"})


#: skops parses artifacts with ``ast``; on CPython 3.11 two threads doing that at once
#: can fail with "AST constructor recursion depth mismatch", so skops calls take turns.
SKOPS_LOCK = threading.Lock()


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
    card: dict[str, Any] = field(default_factory=dict)
    golden_path: str | None = None
    golden_sha256: str | None = None
    golden_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def parse_version(text: str) -> tuple[int, int, int]:
    match = SEMVER.match(text)
    if not match:
        raise BadInput(f"version {text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def next_version(ws: Workspace, bump: str) -> str:
    """The latest registered version bumped by ``major``, ``minor`` or ``patch``."""
    if bump not in BUMPS:
        raise BadInput(f"bump {bump!r} is not one of {', '.join(BUMPS)}")
    latest = latest_version(ws)
    if latest is None:
        return "1.0.0" if bump == "major" else ("0.1.0" if bump == "minor" else "0.0.1")
    major, minor, patch = parse_version(latest)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


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
    golden: pd.DataFrame | None = None,
    card: dict[str, Any] | None = None,
    action: str = "model.register",
    parameters: dict[str, Any] | None = None,
) -> ModelVersion:
    """Store a fitted pipeline as a new version (role: admin).

    ``golden`` (feature rows) becomes the version's golden set: the pipeline scores it
    now and every later verification must reproduce those scores. ``card`` adds fields
    to the model card (e.g. where the artifact came from). ``stage="production"`` is
    accepted only while no version is in production (the first model of a workspace);
    it is recorded as the first deployment. Later changes of production are promotions.
    The version's derivation is recorded with it: ``training`` on ``dataset`` with
    ``parameters`` (the recipe's settings), or ``import`` when no dataset is named.
    """
    import skops.io as sio

    parsed = parse_version(version)
    if stage not in ("production", "candidate"):
        raise BadInput(f"a new version's stage must be production or candidate, not {stage!r}")
    if not 0.0 <= threshold <= 1.0:
        raise BadInput(f"threshold {threshold!r} is outside [0, 1]")
    ws.authorize(user, action, f"model:{version}")
    with SKOPS_LOCK:
        data = sio.dumps(pipeline)
        trusted = sorted(sio.get_untrusted_types(data=data))
    refuse_untrusted(trusted, f"model {version}")
    golden_bytes = _golden_bytes(pipeline, golden, features) if golden is not None else None
    sha = sha256_bytes(data)
    path = ws.folder("artifacts") / f"{sha}.skops"
    golden_sha = sha256_bytes(golden_bytes) if golden_bytes is not None else None
    golden_path = ws.folder("artifacts") / f"{golden_sha}.golden.parquet" if golden_sha else None
    with ws.change(user, action, f"model:{version}") as ch:
        latest = _latest(ch.conn)
        if latest is not None and parse_version(latest) >= parsed:
            raise BadInput(f"version {version} is not greater than the latest, {latest}")
        if stage == "production" and production(ws) is not None:
            raise BadInput("a version is already in production; promote instead")
        atomic_write_bytes(path, data)
        if golden_path is not None and golden_bytes is not None:
            atomic_write_bytes(golden_path, golden_bytes)
        now = clock.iso()
        full_card = {"changes": notes, **(card or {})}
        ch.conn.execute(
            "INSERT INTO models (version, stage, sha256, path, trusted, threshold, features,"
            " metrics, dataset, notes, author, created_at, card, golden_path, golden_sha256,"
            " golden_rows) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
                now,
                json.dumps(full_card, default=str),
                ws.relative(golden_path) if golden_path else None,
                golden_sha,
                0 if golden is None else len(golden),
            ),
        )
        if stage == "production":
            ch.conn.execute(
                "INSERT INTO deployments (kind, from_version, to_version, user, reason,"
                " started_at, finished_at, outcome) VALUES ('promote', NULL, ?, ?, ?, ?, ?,"
                " 'switched')",
                (version, user, "first production version (registered)", now, now),
            )
        derivations.record(
            ch.conn,
            kind=_DERIVATION_KINDS.get(action, "training" if dataset else "import"),
            output_kind="model",
            output=version,
            inputs=_derivation_inputs(dataset, full_card),
            parameters={
                "threshold": threshold,
                "features": features,
                **(parameters if parameters is not None else _card_parameters(full_card)),
            },
            user=user,
        )
        ch.details = {
            "sha256": sha,
            "stage": stage,
            "threshold": threshold,
            "dataset": dataset,
            "golden_sha256": golden_sha,
            **{k: v for k, v in full_card.items() if k != "changes"},
        }
    result = get(ws, version)
    assert result is not None
    return result


#: how a registration action derives its version (training on a dataset by default)
_DERIVATION_KINDS = {
    "model.retrain": "retraining",
    "model.adopt_threshold": "threshold",
    "model.import_pickle": "import",
}
_CARD_PARAMETERS = ("retraining", "reproducibility", "threshold_before", "max_fpr", "source")


def _derivation_inputs(dataset: str | None, card: dict[str, Any]) -> list[derivations.Input]:
    inputs = [derivations.Input("dataset", dataset, dataset)] if dataset else []
    if card.get("derived_from"):
        inputs.append(derivations.Input("model", str(card["derived_from"])))
    return inputs


def _card_parameters(card: dict[str, Any]) -> dict[str, Any]:
    """What the model card says about how the version was made, when no parameters
    were given (retraining search, reproducibility, the threshold it replaced)."""
    return {k: card[k] for k in _CARD_PARAMETERS if k in card}


def refuse_untrusted(types: list[str], what: str) -> None:
    """BadInput naming the types outside :data:`TRUSTED_MODULES`, if any."""
    odd = [t for t in types if not t.startswith(TRUSTED_MODULES) and t not in TRUSTED_TYPES]
    if odd:
        raise BadInput(
            f"{what}: refusing types outside scikit-learn/numpy/scipy: {', '.join(odd[:5])}"
        )


def get(ws: Workspace, version: str) -> ModelVersion | None:
    row = ws.conn.execute("SELECT * FROM models WHERE version = ?", (version,)).fetchone()
    return _model(row) if row else None


def require(ws: Workspace, version: str) -> ModelVersion:
    """The version, or BadInput naming it and the registered ones."""
    model = get(ws, version)
    if model is None:
        known = ", ".join(m.version for m in list_versions(ws)[:8]) or "none"
        raise BadInput(f"model version {version} is not registered (registered: {known})")
    return model


def production(ws: Workspace) -> ModelVersion | None:
    row = ws.conn.execute("SELECT * FROM models WHERE stage = 'production'").fetchone()
    return _model(row) if row else None


def list_versions(ws: Workspace) -> list[ModelVersion]:
    rows = ws.conn.execute("SELECT * FROM models").fetchall()
    return sorted((_model(r) for r in rows), key=lambda m: parse_version(m.version), reverse=True)


def latest_version(ws: Workspace) -> str | None:
    return _latest(ws.conn)


def read_artifact(ws: Workspace, model: ModelVersion) -> bytes:
    """The artifact's bytes after checking they hash to the recorded SHA-256."""
    return artifact_bytes(ws.root, model)


def artifact_bytes(root: Path, model: ModelVersion) -> bytes:
    """:func:`read_artifact` in the workspace at ``root`` without opening it (the
    service's model loader process reads files only)."""
    path = root / model.path
    if not path.is_file():
        raise WorkspaceError(f"{path}: model artifact is missing")
    data = path.read_bytes()
    if sha256_bytes(data) != model.sha256:
        raise WorkspaceError(f"{path}: model artifact is corrupt or tampered (SHA-256 mismatch)")
    return data


def load_bytes(model: ModelVersion, data: bytes) -> Any:
    """skops-load checked bytes, trusting only the types recorded with the version."""
    import skops.io as sio

    with SKOPS_LOCK:
        untrusted = set(sio.get_untrusted_types(data=data)) - set(model.trusted)
        if untrusted:
            raise WorkspaceError(
                f"model {model.version}: artifact asks for untrusted types {sorted(untrusted)}"
            )
        return sio.loads(data, trusted=model.trusted)


def load(ws: Workspace, version: str) -> Any:
    """Load a version's pipeline after checking its hash and its trusted types."""
    model = require(ws, version)
    return load_bytes(model, read_artifact(ws, model))


def load_golden(ws: Workspace, model: ModelVersion) -> pd.DataFrame:
    """The version's golden set (features + ``expected_score``), hash-checked."""
    return golden_frame(ws.root, model)


def golden_frame(root: Path, model: ModelVersion) -> pd.DataFrame:
    """:func:`load_golden` in the workspace at ``root`` without opening it."""
    import pandas as pd

    return pd.read_parquet(io.BytesIO(golden_bytes(root, model)))


def read_golden(ws: Workspace, model: ModelVersion) -> bytes:
    """The golden set file's bytes after checking they hash to the recorded SHA-256."""
    return golden_bytes(ws.root, model)


def golden_bytes(root: Path, model: ModelVersion) -> bytes:
    """:func:`read_golden` in the workspace at ``root`` without opening it."""
    if not model.golden_path or not model.golden_sha256:
        raise BadInput(f"model {model.version} has no golden set; register it with one")
    path = root / model.golden_path
    if not path.is_file():
        raise WorkspaceError(f"{path}: golden set is missing")
    data = path.read_bytes()
    if sha256_bytes(data) != model.golden_sha256:
        raise WorkspaceError(f"{path}: golden set is corrupt or tampered (SHA-256 mismatch)")
    return data


def verify_artifact(ws: Workspace, version: str) -> bool:
    model = get(ws, version)
    return model is not None and sha256_file(ws.root / model.path) == model.sha256


def model_card(ws: Workspace, version: str) -> dict[str, Any]:
    """The change documentation of a version, as one plain dictionary."""
    from console.core.data import datasets

    model = require(ws, version)
    dataset = datasets.get(ws, model.dataset) if model.dataset else None
    return {
        "version": model.version,
        "stage": model.stage,
        "changes": model.card.get("changes", model.notes),
        "author": model.author,
        "date": model.created_at,
        "training_dataset": {
            "sha256": model.dataset,
            "name": dataset.name if dataset else None,
            "rows": dataset.rows if dataset else None,
        },
        "features": model.features,
        "threshold": model.threshold,
        "metrics": model.metrics,
        "golden_set": {"rows": model.golden_rows, "sha256": model.golden_sha256},
        "artifact": {"sha256": model.sha256, "path": model.path, "trusted_types": model.trusted},
        "provenance": {k: v for k, v in model.card.items() if k != "changes"},
    }


def _golden_bytes(pipeline: Any, golden: pd.DataFrame, features: dict[str, str]) -> bytes:
    from console.core.models import training

    if golden.empty:
        raise BadInput("the golden set has no rows")
    try:
        frame = golden.loc[:, list(features)].reset_index(drop=True)
        frame[EXPECTED_SCORE] = training.score(pipeline, frame, features)
    except (KeyError, ValueError) as exc:
        raise BadInput(f"golden set: {exc}") from None
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _latest(conn: sqlite3.Connection) -> str | None:
    versions = [r["version"] for r in conn.execute("SELECT version FROM models")]
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
        json.loads(row["card"]),
        row["golden_path"],
        row["golden_sha256"],
        row["golden_rows"],
    )
