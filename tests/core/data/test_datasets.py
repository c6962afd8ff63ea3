"""Dataset versions: content-addressed, with lineage, encrypted at rest."""

from __future__ import annotations

import keyring
import keyring.backends.fail
import pytest

from console.core.base import audit
from console.core.base.errors import BadInput, WorkspaceError
from console.core.base.workspace import Workspace
from console.core.data import datasets
from console.core.security import credentials, policy
from tests.conftest import make_predictions


@pytest.fixture
def frame():
    return make_predictions(days=1, per_day=50)


def test_versions_are_content_addressed_and_encrypted(workspace: Workspace, frame) -> None:
    first = datasets.register_frame(workspace, "alice", "train", frame)
    assert datasets.register_frame(workspace, "alice", "copy", frame) == first
    assert first.path.endswith(".parquet.enc")
    raw = (workspace.root / first.path).read_bytes()
    assert b"PAR1" not in raw  # no Parquet structure visible
    assert str(frame["transaction_id"].iloc[0]).encode() not in raw
    loaded = datasets.load(workspace, first.sha256)
    assert loaded["transaction_id"].tolist() == frame["transaction_id"].tolist()
    entry = audit.entries(workspace.conn, action="dataset.create")[0]
    assert entry.details["encrypted"] is True


def test_lineage_and_bad_input(workspace: Workspace, frame) -> None:
    first = datasets.register_frame(workspace, "alice", "train", frame)
    child = datasets.register_frame(
        workspace, "alice", "small", frame.head(10), parent=first.sha256, transform="head(10)"
    )
    assert child.parent == first.sha256
    before = sorted(p.name for p in workspace.folder("datasets").iterdir())
    with pytest.raises(BadInput, match="no rows"):
        datasets.register_frame(workspace, "alice", "empty", frame.head(0))
    with pytest.raises(BadInput, match="parent dataset"):
        datasets.register_frame(workspace, "alice", "orphan", frame.head(5), parent="nope")
    assert sorted(p.name for p in workspace.folder("datasets").iterdir()) == before


def test_tampered_version_is_refused(workspace: Workspace, frame) -> None:
    version = datasets.register_frame(workspace, "alice", "train", frame)
    path = workspace.root / version.path
    data = bytearray(path.read_bytes())
    data[-10] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(WorkspaceError, match="altered"):
        datasets.load(workspace, version.sha256)
    path.write_bytes(b"garbage")
    with pytest.raises(WorkspaceError, match="corrupt"):
        datasets.load(workspace, version.sha256)


def test_without_keyring_stored_plain_and_said_so(workspace: Workspace, frame, caplog) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    version = datasets.register_frame(workspace, "alice", "train", frame)
    assert version.path.endswith(".parquet")
    assert "UNENCRYPTED" in caplog.text
    assert audit.entries(workspace.conn, action="dataset.create")[0].details["encrypted"] is False
    assert policy.status(workspace).unencrypted_datasets == 1
    assert datasets.load(workspace, version.sha256)["score"].tolist() == frame["score"].tolist()


def test_required_encryption_refuses_plain(workspace: Workspace, frame) -> None:
    policy.set_require_encryption(workspace, "alice", True)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(credentials.KeyringUnavailable):
        datasets.register_frame(workspace, "alice", "train", frame)
    assert datasets.list_versions(workspace) == []
    assert list(workspace.folder("datasets").iterdir()) == []
