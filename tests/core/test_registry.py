"""Registry foundation: safe artifacts, content hashes checked on load, semantic versions."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from console.core import audit, datasets, registry
from console.core.errors import BadInput, PermissionDenied, WorkspaceError
from console.core.workspace import Workspace
from tests.conftest import make_predictions


@pytest.fixture
def pipeline():
    frame = make_predictions(days=1, per_day=300)
    x = frame[["amount", "hour", "card_age_days"]]
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(x, frame["is_fraud"]), x


def _register(ws: Workspace, model, version: str = "1.0.0", **kw):
    return registry.register_pipeline(
        ws,
        "alice",
        model,
        version=version,
        threshold=0.3,
        features={"amount": "number"},
        metrics={"f1": 0.8},
        notes="test",
        **kw,
    )


def test_register_and_load_round_trip(workspace: Workspace, pipeline) -> None:
    model, x = pipeline
    version = _register(workspace, model, stage="production")
    assert registry.production(workspace) == version
    assert (workspace.root / version.path).name == f"{version.sha256}.skops"
    loaded = registry.load(workspace, "1.0.0")
    assert (loaded.predict_proba(x) == model.predict_proba(x)).all()
    assert (
        audit.entries(workspace.conn, action="model.register")[0].details["sha256"]
        == version.sha256
    )


def test_versions_must_be_semver_and_increasing(workspace: Workspace, pipeline) -> None:
    _register(workspace, pipeline[0], "1.2.0")
    with pytest.raises(BadInput, match="not a semantic version"):
        _register(workspace, pipeline[0], "1.3")
    with pytest.raises(BadInput, match=r"not greater than the latest, 1\.2\.0"):
        _register(workspace, pipeline[0], "1.1.9")
    _register(workspace, pipeline[0], "1.10.0")
    assert [m.version for m in registry.list_versions(workspace)] == ["1.10.0", "1.2.0"]


def test_second_production_registration_is_refused(workspace: Workspace, pipeline) -> None:
    _register(workspace, pipeline[0], "1.0.0", stage="production")
    with pytest.raises(BadInput, match="promote instead"):
        _register(workspace, pipeline[0], "1.1.0", stage="production")
    assert registry.get(workspace, "1.1.0") is None


def test_tampered_artifact_is_refused(workspace: Workspace, pipeline) -> None:
    version = _register(workspace, pipeline[0])
    path = workspace.root / version.path
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert not registry.verify_artifact(workspace, "1.0.0")
    with pytest.raises(WorkspaceError, match="corrupt or tampered"):
        registry.load(workspace, "1.0.0")


def test_only_admin_registers(workspace: Workspace, pipeline) -> None:
    workspace.set_role("alice", "olga", "operator")
    with pytest.raises(PermissionDenied):
        registry.register_pipeline(
            workspace,
            "olga",
            pipeline[0],
            version="1.0.0",
            threshold=0.5,
            features={},
            metrics={},
            notes="",
        )
    assert registry.list_versions(workspace) == []


def test_dataset_versions_are_content_addressed(workspace: Workspace) -> None:
    frame = make_predictions(days=1, per_day=50)
    first = datasets.register_frame(workspace, "alice", "train", frame)
    again = datasets.register_frame(workspace, "alice", "train-copy", frame)
    assert again == first
    child = datasets.register_frame(
        workspace, "alice", "train-small", frame.head(10), parent=first.sha256, transform="head(10)"
    )
    assert child.parent == first.sha256
    loaded = datasets.load(workspace, first.sha256)
    assert loaded["transaction_id"].tolist() == frame["transaction_id"].tolist()
    (workspace.root / first.path).write_bytes(b"garbage")
    with pytest.raises(WorkspaceError, match="corrupt"):
        datasets.load(workspace, first.sha256)
    with pytest.raises(BadInput, match="no rows"):
        datasets.register_frame(workspace, "alice", "empty", frame.head(0))
