"""Role x action matrix over every state-changing core function that exists now.

Each function is called by a user of each role: it is allowed exactly when
``access.ACTIONS`` says so, the outcome is audited (``ok`` or ``denied``) under the
function's action, and a refused call changes nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sklearn.linear_model import LogisticRegression

from console.core.base import access, audit
from console.core.base.errors import PermissionDenied
from console.core.base.workspace import Workspace
from console.core.data import datasets, ingest
from console.core.models import registry
from console.core.security import accounts, audit_export, credentials, policy, review
from tests.conftest import make_predictions


@pytest.fixture(scope="module")
def frame():
    return make_predictions(days=1, per_day=40)


@pytest.fixture(scope="module")
def model(frame):
    x = frame[["amount", "hour"]]
    return LogisticRegression().fit(x, frame["is_fraud"])


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_PARAMS", {"n": 2**10, "r": 8, "p": 1})


def _table(ws: Workspace, frame: Any) -> pa.Table:
    return pa.Table.from_pandas(frame[ws.config.data_schema.prediction_columns])


Operation = Callable[[Workspace, str, Any, Any, Path], object]

OPERATIONS: dict[str, tuple[str, Operation]] = {
    "ingest": (
        "ingest",
        lambda ws, u, frame, model, tmp: ingest.ingest_table(
            ws, u, "predictions", _table(ws, frame), source="matrix"
        ),
    ),
    "set_role": ("user.set_role", lambda ws, u, *_: ws.set_role(u, "zed", "viewer")),
    "register_model": (
        "model.register",
        lambda ws, u, frame, model, tmp: registry.register_pipeline(
            ws,
            u,
            model,
            version="1.0.0",
            threshold=0.5,
            features={"amount": "number"},
            metrics={},
            notes="matrix",
        ),
    ),
    "create_dataset": (
        "dataset.create",
        lambda ws, u, frame, *_: datasets.register_frame(ws, u, "train", frame.head(10)),
    ),
    "set_secret": (
        "credential.set",
        lambda ws, u, *_: credentials.set_secret(ws, u, "service-token", "token-for-the-matrix"),
    ),
    "set_password": (
        "user.manage",
        lambda ws, u, *_: accounts.set_password(ws, u, "alice", "a long enough password"),
    ),
    "require_encryption": (
        "config.edit",
        lambda ws, u, *_: policy.set_require_encryption(ws, u, True),
    ),
    "export_audit": (
        "audit.export",
        lambda ws, u, frame, model, tmp: audit_export.export_audit(ws, u, tmp / "audit.json"),
    ),
    "access_review": ("audit.read", lambda ws, u, *_: review.access_review(ws, u)),
}


def _state(ws: Workspace, tmp: Path) -> dict[str, Any]:
    """Everything stored except the audit log itself."""
    tables = [
        r[0]
        for r in ws.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if r[0] not in {"audit", "audit_checkpoints", "sqlite_sequence"}
    ]
    rows = {t: ws.conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
    files = [f for f in files if "console.db" not in f and "logs" not in f]
    return {"rows": {t: [tuple(r) for r in v] for t, v in rows.items()}, "files": files}


CASES = [(operation, role) for operation in OPERATIONS for role in access.ROLES]


@pytest.mark.parametrize("case", CASES, ids=[f"{o}-{r}" for o, r in CASES])
def test_role_action_matrix(
    workspace: Workspace, tmp_path: Path, frame, model, case: tuple[str, str]
) -> None:
    operation, role = case
    action, call = OPERATIONS[operation]
    user = f"{role}-user"
    if role == "admin":
        user = "alice"
    else:
        workspace.set_role("alice", user, role)
    before = _state(workspace, tmp_path)
    last_seq = audit.entries(workspace.conn, limit=1)[0].seq
    if access.allowed(role, action):
        call(workspace, user, frame, model, tmp_path)
        outcome = "ok"
    else:
        with pytest.raises(PermissionDenied, match=f"{user} \\({role}\\) may not {action}"):
            call(workspace, user, frame, model, tmp_path)
        assert _state(workspace, tmp_path) == before
        outcome = "denied"
    new = [e for e in audit.entries(workspace.conn, action=action) if e.seq > last_seq]
    if action == "audit.read" and outcome == "ok":
        assert new == []  # reading is not a change; only its refusal is recorded
    else:
        assert [(e.user, e.role, e.outcome) for e in new] == [(user, role, outcome)]
    assert audit.verify(workspace.conn).ok


def test_matrix_covers_the_roles_the_issue_names() -> None:
    """The matrix's expectations come from ACTIONS; pin the ones the issue spells out."""
    expected = {
        "viewer": set(),
        "operator": {"ingest", "dataset.create"},
        "auditor": {"audit.export", "audit.read"},
        "admin": {action for action, _ in OPERATIONS.values()},
    }
    for role, allowed in expected.items():
        got = {action for action, _ in OPERATIONS.values() if access.allowed(role, action)}
        assert got == allowed, role
