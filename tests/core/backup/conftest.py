"""A workspace with files in every category, its backup passphrase, and a repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from console.core.backup import keys
from console.core.backup.repository import Repository
from console.core.base.workspace import Workspace
from console.core.security import credentials

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "SCRYPT_N", 2**10)


def fill_workspace(ws: Workspace, seed: int = 1) -> None:
    """Model blobs, a dataset, log parts, documentation and a TLS pair."""
    rng = __import__("random").Random(seed)
    (ws.folder("artifacts") / "model.skops").write_bytes(rng.randbytes(3_000_000))
    (ws.folder("artifacts") / "golden.parquet").write_bytes(b"golden rows " * 5000)
    (ws.folder("datasets") / "train.parquet").write_bytes(rng.randbytes(700_000))
    (ws.folder("predictions") / "day=2026-11-01").mkdir(parents=True, exist_ok=True)
    (ws.folder("predictions") / "day=2026-11-01" / "part-0.parquet").write_bytes(
        rng.randbytes(400_000)
    )
    docs = ws.root / "docs"
    docs.mkdir(exist_ok=True)
    for i in range(20):
        (docs / f"runbook-{i}.md").write_text(f"# Runbook {i}\nstep one\n" * (i + 1), "utf-8")
    (ws.root / "tls").mkdir(exist_ok=True)
    (ws.root / "tls" / "console.crt").write_text("CERT", "utf-8")
    (ws.root / "tls" / "console.key").write_text("SECRET KEY", "utf-8")


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    fill_workspace(workspace)
    credentials.set_secret(workspace, "alice", "backup-passphrase", PASSPHRASE)
    return workspace


@pytest.fixture
def repo_path(tmp_path: Path) -> Path:
    return tmp_path / "repo"


@pytest.fixture
def repo(repo_path: Path) -> Repository:
    return Repository.init(repo_path, PASSPHRASE)


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``root`` by relative path (for comparing restores)."""
    out = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            if not rel.startswith(skip):
                out[rel] = path.read_bytes()
    return out
