"""Test isolation shared by every test: no display, no real keyring, no user files."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

# Before anything can create a QApplication.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import keyring.backend
import pytest


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring so tests never touch (or need) the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MemoryKeyring]:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("CONSOLE_WORKSPACE", raising=False)
    monkeypatch.setenv("CONSOLE_USER", "alice")
    # the suite acts under several names on one OS account, as the demo does
    from console.core.base import workspace

    monkeypatch.setattr(workspace, "ALLOW_CONSOLE_USER", True)
    # heavy read-only jobs run on the calling thread, not in a child process each
    # test would start (tests/core/base/test_job_process.py turns it back on)
    from console.core.base import job_process

    monkeypatch.setattr(job_process, "ENABLED", False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    """Fail a test that leaves a thread of its own running."""
    before = set(threading.enumerate())
    yield
    leftover = [
        t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
    ]
    for thread in leftover:
        thread.join(timeout=5)
    still = [t.name for t in leftover if t.is_alive()]
    assert not still, f"test left threads running: {still}"


@pytest.fixture
def workspace_root(tmp_path: Path) -> Path:
    return tmp_path / "ws"


def make_predictions(days: int = 2, per_day: int = 200, seed: int = 1, start: str = "2026-11-01"):
    """A valid predictions frame (with an ``is_fraud`` column to derive labels from)."""
    import datetime as dt

    import numpy as np

    from console.core.demo.data import generate_transactions

    frame = generate_transactions(dt.date.fromisoformat(start), days, per_day, seed=seed)
    rng = np.random.default_rng(seed)
    frame["score"] = np.clip(rng.beta(1, 30, len(frame)) + 0.5 * frame["is_fraud"], 0, 1)
    frame["decision"] = (frame["score"] >= 0.3).astype("int64")
    return frame


@pytest.fixture
def workspace(workspace_root: Path):
    """A fresh workspace whose admin is alice (the test user)."""
    from console.core.base.workspace import Workspace

    ws = Workspace.create(workspace_root, "alice")
    yield ws
    ws.close()


@pytest.fixture
def shared_keyring(tmp_path: Path) -> dict[str, str]:
    """A keyring file this process and its console subprocesses share; returns the
    environment for the subprocesses."""
    from tests.file_keyring import FileKeyring, subprocess_env

    path = tmp_path / "keyring.json"
    keyring.set_keyring(FileKeyring(path))
    return subprocess_env(path)
