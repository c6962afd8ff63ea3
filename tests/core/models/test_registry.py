"""Registry foundation: safe artifacts, content hashes checked on load, semantic versions."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from console.core.base import audit
from console.core.base.errors import BadInput, PermissionDenied, WorkspaceError
from console.core.base.workspace import Workspace
from console.core.data import datasets
from console.core.models import registry
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


# ---------------------------------------------------------------- files, pickles, cards
class WritesAFile:
    """Unpickling this creates ``target``: the proof that code ran."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


@pytest.fixture
def golden_csv(tmp_path):
    from tests.core.registry_helpers import trained

    path = tmp_path / "golden.csv"
    trained(1).holdout.head(50).to_csv(path, index=False)
    return path


def _register_file(ws: Workspace, path, **kw):
    from console.core.models import model_import

    kw.setdefault("notes", "from a file")
    kw.setdefault("threshold", 0.3)
    return model_import.register_file(ws, "alice", path, **kw)


@pytest.mark.parametrize("name", ["model.pkl", "model.joblib", "model.skops"])
def test_a_pickle_is_never_unpickled_without_the_admin_flag(
    workspace: Workspace, tmp_path, golden_csv, name: str
) -> None:
    import pickle  # noqa: TID251 - only to build the hostile payload; never loaded

    marker = tmp_path / "code-ran"
    path = tmp_path / name
    path.write_bytes(pickle.dumps(WritesAFile(str(marker))))
    with pytest.raises(BadInput, match=r"is a pickle/joblib file.*--i-trust-this-pickle"):
        _register_file(workspace, path, version="1.0.0", golden=golden_csv)
    workspace.set_role("alice", "olga", "operator")
    from console.core.models import model_import

    with pytest.raises(PermissionDenied):  # the role is checked before the file is opened
        model_import.register_file(
            workspace,
            "olga",
            path,
            version="1.0.0",
            notes="n",
            threshold=0.3,
            golden=golden_csv,
            trust_pickle=True,
        )
    assert not marker.exists()
    assert registry.list_versions(workspace) == []


def test_admin_can_import_a_trusted_pickle_and_it_says_so(
    workspace: Workspace, tmp_path, golden_csv
) -> None:
    import joblib

    from tests.core.registry_helpers import trained

    path = tmp_path / "legacy.joblib"
    joblib.dump(trained(1).pipeline, path)
    model = _register_file(
        workspace, path, bump="minor", golden=golden_csv, trust_pickle=True, notes="legacy model"
    )
    assert model.version == "0.1.0"
    assert model.card["source_format"].startswith("pickle")
    assert model.path.endswith(".skops")
    assert model.golden_rows == 50
    entry = audit.entries(workspace.conn)[0]
    assert (entry.action, entry.outcome) == ("model.import_pickle", "ok")
    assert entry.details["imported_by"] == "alice"
    card = registry.model_card(workspace, "0.1.0")
    assert card["provenance"]["source_file"] == "legacy.joblib"
    assert card["changes"] == "legacy model"


def test_register_a_skops_file_with_bump_and_golden_set(
    workspace: Workspace, tmp_path, golden_csv
) -> None:
    import skops.io as sio

    from tests.core.registry_helpers import trained

    path = tmp_path / "model.skops"
    sio.dump(trained(1).pipeline, path)
    first = _register_file(workspace, path, version="1.4.2", golden=golden_csv)
    assert first.card["source_format"] == "skops"
    assert first.features["merchant_category"] == "category"
    assert _register_file(workspace, path, bump="patch", golden=golden_csv).version == "1.4.3"
    assert _register_file(workspace, path, bump="major", golden=golden_csv).version == "2.0.0"
    golden = registry.load_golden(workspace, first)
    assert len(golden) == 50
    assert registry.EXPECTED_SCORE in golden


def test_skops_file_asking_for_foreign_types_is_refused(workspace: Workspace, tmp_path) -> None:
    import skops.io as sio

    path = tmp_path / "odd.skops"
    sio.dump({"payload": WritesAFile("x")}, path)
    with pytest.raises(BadInput, match=r"refusing types outside .*WritesAFile"):
        _register_file(workspace, path, version="1.0.0", golden=path)
    assert registry.list_versions(workspace) == []


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({}, r"give --version X\.Y\.Z or --bump"),
        ({"version": "1.0.0", "bump": "minor"}, "not both"),
        ({"bump": "huge"}, "bump 'huge' is not one of"),
        ({"version": "v1"}, "not a semantic version"),
        ({"version": "1.0.0", "notes": " "}, "--notes is required"),
        ({"version": "1.0.0"}, "a golden set is needed"),
    ],
)
def test_bad_registration_requests_store_nothing(
    workspace: Workspace, tmp_path, kw, message: str
) -> None:
    import skops.io as sio

    from tests.core.registry_helpers import trained

    path = tmp_path / "model.skops"
    sio.dump(trained(1).pipeline, path)
    with pytest.raises(BadInput, match=message):
        _register_file(workspace, path, **kw)
    assert registry.list_versions(workspace) == []
    assert list(workspace.folder("artifacts").iterdir()) == []


def test_not_a_model_file_is_refused(workspace: Workspace, tmp_path, golden_csv) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(BadInput, match="not a skops model file"):
        _register_file(workspace, path, version="1.0.0", golden=golden_csv)
    broken = tmp_path / "broken.skops"
    broken.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(BadInput, match="not a readable skops file"):
        _register_file(workspace, broken, version="1.0.0", golden=golden_csv)


def test_model_card_documents_the_version(workspace: Workspace) -> None:
    from tests.core.registry_helpers import register

    frame = make_predictions(days=1, per_day=50)
    dataset = datasets.register_frame(workspace, "alice", "train", frame)
    register(workspace, "1.0.0", stage="production", dataset=dataset.sha256)
    card = registry.model_card(workspace, "1.0.0")
    assert card["training_dataset"] == {
        "sha256": dataset.sha256,
        "name": "train",
        "rows": dataset.rows,
    }
    assert card["golden_set"]["rows"] == 300
    assert card["author"] == "alice"
    assert card["changes"] == "model 1.0.0 (seed 1)"
    assert set(card) >= {"features", "threshold", "metrics", "date", "artifact", "stage"}
    with pytest.raises(BadInput, match=r"2\.0\.0 is not registered \(registered: 1\.0\.0\)"):
        registry.model_card(workspace, "2.0.0")


def test_tampered_golden_set_is_refused(workspace: Workspace) -> None:
    from tests.core.registry_helpers import register

    model = register(workspace, "1.0.0")
    path = workspace.root / (model.golden_path or "")
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(WorkspaceError, match="golden set is corrupt"):
        registry.load_golden(workspace, model)
