"""No secret set through the console appears in any file under the workspace."""

from __future__ import annotations

import base64

import keyring
import pytest

from console.core.base import audit
from console.core.base.db import write_transaction
from console.core.base.workspace import Workspace
from console.core.data import datasets
from console.core.security import accounts, audit_export, credentials, settings
from tests.conftest import make_predictions

SECRETS = {
    "service-token": "svc-token-8c1f2e9d7a",
    "smtp-password": "smtp-pass-4b7e1a0c55",
    "backup-passphrase": "backup-phrase-93d2f6e1",
}
PASSWORD = "account-password-5e8a"
EXPORT_PASSPHRASE = "export-phrase-7f3b9c21"


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})


NOT_SECRET = {"audit-head"}


def _needles(keyring_secrets: dict[tuple[str, str], str]) -> list[bytes]:
    """Every secret value, plus the raw bytes and hex of the keys the console made."""
    out = [v.encode() for v in (*SECRETS.values(), PASSWORD, EXPORT_PASSPHRASE)]
    for (_service, name), value in keyring_secrets.items():
        if name.split(":")[0] in NOT_SECRET or name.startswith("workspace-at:"):
            continue  # the signed audit head and the folder index: public by design
        out.append(value.encode())
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        out += [raw, raw.hex().encode()]
    return out


def test_no_secret_in_any_workspace_file(workspace: Workspace, tmp_path) -> None:
    with write_transaction(workspace.conn) as conn:
        settings.put(conn, "checkpoint_every", "3")  # several signed checkpoints
    for name, value in SECRETS.items():
        credentials.set_secret(workspace, "alice", name, value)
        credentials.set_secret(workspace, "alice", name, value + "-rotated")
    workspace.set_role("alice", "bob", "operator")
    accounts.set_password(workspace, "alice", "bob", PASSWORD)
    accounts.set_password(workspace, "alice", "alice", PASSWORD + "-admin")
    accounts.set_enabled(workspace, "alice", True)
    accounts.sign_in(workspace, "bob", PASSWORD)
    with pytest.raises(accounts.SignInFailed):
        accounts.sign_in(workspace, "bob", PASSWORD + "-typo")
    datasets.register_frame(workspace, "alice", "train", make_predictions(days=1, per_day=20))
    export = workspace.root / "exports" / "audit.json.enc"
    export.parent.mkdir()
    audit_export.export_audit(workspace, "alice", export, passphrase=EXPORT_PASSPHRASE)
    assert audit.verify(workspace.conn).signed_checkpoints >= 3
    keys = {name.split(":")[0] for _, name in _memory() if not name.startswith("workspace-at:")}
    assert keys == {*SECRETS, "audit-signing-key", "data-key", "audit-head"}

    workspace.close()  # checkpoint the WAL into the database file as well
    needles = _needles(_memory())
    assert len(needles) > 10
    files = [p for p in workspace.root.rglob("*") if p.is_file()]
    assert any(p.name == "console.db" for p in files)
    for path in files:
        data = path.read_bytes()
        leaked = [n for n in needles if n in data]
        assert not leaked, f"{path} holds a secret"


def _memory() -> dict[tuple[str, str], str]:
    """The secrets of the in-memory keyring tests/conftest.py installs."""
    secrets: dict[tuple[str, str], str] = keyring.get_keyring().secrets  # type: ignore[attr-defined]
    return secrets
