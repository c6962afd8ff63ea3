"""Model versions loaded in a helper process, so a switch never stalls the requests.

Loading a version (the artifact's hash, skops' checked load, the fast path's golden
check) is about a second of pure Python. Inside the service it holds the interpreter
lock that the request threads need, and at 500 requests/s they queued behind it: p99
325 ms while switching against 15 ms calm. The service therefore starts one helper
process (``python -m console.core.serving.model_loader``) that imports the scientific
libraries once and loads versions on request; the service receives the finished model
over a private pipe and swaps one reference. The requests compete with the helper for
a core then, no longer for the lock.

Trust: the helper checks exactly what the service did (SHA-256 of the artifact, the
types skops may build, the golden set); the model then crosses the pipe pickled.
That pipe joins two processes of the same user, started one by the other, and nothing
else can write to it: unpickling there trusts no more than ``multiprocessing`` does.

When the helper is not ready, has died or does not answer in time, :meth:`ModelLoader.load`
raises :class:`LoaderUnavailable` and the service loads in its own process as before;
a dead helper is started again for the next load.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base import errors

if TYPE_CHECKING:
    from console.core.models.registry import ModelVersion
    from console.core.serving.model_holder import LoadedModel

log = logging.getLogger(__name__)

#: seconds the helper may take to load one version before the service loads it itself
LOAD_TIMEOUT_S = 30.0
#: the helper runs this much nicer than the service: on a busy machine requests get the
#: CPU first and a load takes the rest (at 500 requests/s on 2 cores, the first promote
#: slowed 0-167 requests past 40 ms in 4 runs, against 0-741 at the service's priority;
#: its smoke test still answered in 0.8-1.2 s)
NICE = 10
#: the errors a load can end in, rebuilt by name in the service
_ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (
        errors.ConsoleError,
        errors.BadInput,
        errors.WorkspaceError,
        errors.ConfigError,
        OSError,
        ValueError,
    )
}


class LoaderUnavailable(Exception):
    """The helper process cannot answer now; load in this process instead."""


class ModelLoader:
    """The service's side of the helper process (one load at a time)."""

    def __init__(self, *, load_timeout: float = LOAD_TIMEOUT_S) -> None:
        self.load_timeout = load_timeout
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._send: Connection | None = None
        self._recv: Connection | None = None
        self._ready = False
        self.loads = 0  # versions the helper loaded (for tests and /health's story)

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start the helper (it imports its libraries meanwhile; returns at once)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._spawn()

    def ready(self) -> bool:
        """Whether the helper has finished importing (never waits)."""
        with self._lock:
            return self._is_ready()

    def load(self, root: Path, model: ModelVersion) -> LoadedModel:
        """``model`` loaded and checked by the helper; the load's own error (a corrupt
        artifact, an untrusted type…) is raised as it would be in this process.

        LoaderUnavailable when the helper is still starting, has died or is too slow.
        """
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._spawn()
                raise LoaderUnavailable("the model loader process was not running")
            if not self._is_ready():
                raise LoaderUnavailable("the model loader process is still starting")
            assert self._send is not None
            assert self._recv is not None
            try:
                self._send.send((str(root), model))
                if not self._recv.poll(self.load_timeout):
                    self._stop_locked()
                    raise LoaderUnavailable(
                        f"the model loader process took over {self.load_timeout:g} s"
                    )
                reply = self._recv.recv()
            except (EOFError, OSError) as exc:
                self._stop_locked()
                raise LoaderUnavailable(f"the model loader process stopped ({exc})") from exc
        if reply[0] == "ok":
            self.loads += 1
            loaded: LoadedModel = reply[1]
            return loaded
        _, kind, message = reply
        raise _ERRORS.get(kind, errors.WorkspaceError)(message)

    def close(self) -> None:
        with self._lock:
            self._stop_locked()

    def _is_ready(self) -> bool:
        if not self._ready and self._recv is not None:
            try:
                if self._recv.poll(0):
                    self._ready = self._recv.recv()[0] == "ready"
            except (EOFError, OSError):
                self._stop_locked()
        return self._ready

    def _spawn(self) -> None:
        self._stop_locked()
        proc = subprocess.Popen(
            [sys.executable, "-m", "console.core.serving.model_loader"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert proc.stdin is not None
        assert proc.stdout is not None
        self._send = Connection(os.dup(proc.stdin.fileno()), readable=False)
        self._recv = Connection(os.dup(proc.stdout.fileno()), writable=False)
        proc.stdin.close()
        proc.stdout.close()
        self._proc = proc
        log.info("model loader process started (pid %d)", proc.pid)

    def _stop_locked(self) -> None:
        for conn in (self._send, self._recv):
            if conn is not None:
                conn.close()  # the helper reads end-of-file and exits
        self._send = self._recv = None
        self._ready = False
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _warm() -> None:
    """Import what every load needs, so the first one is as quick as the next."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401
    import sklearn.pipeline  # noqa: F401
    import skops.io  # noqa: F401


def main() -> int:
    """The helper: answer load requests on stdin until it closes."""
    replies = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # a stray print goes to the service's log, never into the pipe
    requests = Connection(os.dup(0), writable=False)
    from console.core.serving.model_holder import load_at

    os.nice(NICE)
    started = time.perf_counter()
    _warm()
    log.debug("model loader ready in %.2f s", time.perf_counter() - started)
    try:
        replies.send(("ready",))
        while True:
            try:
                root, model = requests.recv()
            except (EOFError, OSError):
                return 0
            reply: tuple[Any, ...]
            try:
                reply = ("ok", load_at(Path(root), model))
            except Exception as exc:  # every failure goes back to the service, named
                reply = ("error", type(exc).__name__, str(exc) or repr(exc))
            replies.send(reply)
    except BrokenPipeError:  # the service stopped first (a quick stop): nothing to answer
        return 0


if __name__ == "__main__":
    sys.exit(main())
