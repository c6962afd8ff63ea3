"""A keyring in one JSON file, for tests whose console subprocesses share secrets.

The OS keyring is not available under test; the in-memory one of tests/conftest.py is
per process. Subprocesses get this backend through ``PYTHON_KEYRING_BACKEND`` and the
file through ``CONSOLE_TEST_KEYRING``; a lock file serialises writers.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring.backend

ENV = "CONSOLE_TEST_KEYRING"
BACKEND = "tests.file_keyring.FileKeyring"


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = Path(path or os.environ[ENV])

    @contextmanager
    def _locked(self) -> Iterator[dict[str, str]]:
        with open(str(self.path) + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = json.loads(self.path.read_text()) if self.path.exists() else {}
            yield data
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        if not self.path.exists():
            return None
        value = json.loads(self.path.read_text()).get(f"{service}\n{username}")
        return str(value) if value is not None else None

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._locked() as data:
            data[f"{service}\n{username}"] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._locked() as data:
            data.pop(f"{service}\n{username}", None)


def subprocess_env(path: Path) -> dict[str, str]:
    """Environment for a console subprocess that shares the keyring file ``path``."""
    root = str(Path(__file__).resolve().parent.parent)
    pythonpath = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return os.environ | {
        "PYTHON_KEYRING_BACKEND": BACKEND,
        ENV: str(path),
        "PYTHONPATH": pythonpath,
    }
