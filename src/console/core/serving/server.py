"""``console serve``: bind, record, run uvicorn, and stop cleanly.

:class:`ScoringService` loads the production model (refusing to start without one),
binds its socket (port 0 picks a free one), and runs uvicorn on it. Once serving it
records itself in ``service_runs`` so other processes find it; on shutdown (SIGTERM,
Ctrl-C or :meth:`stop`) it finishes the requests in flight, stores the waiting
predictions and closes its record. It requires the bearer token (on loopback too,
unless ``[service] open_on_loopback``); bound beyond loopback it serves HTTPS (see
:mod:`console.core.serving.security`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.base.errors import BadInput
from console.core.serving import request_log, security, state
from console.core.serving.app import Runtime, build_app
from console.core.serving.cache import PredictionCache
from console.core.serving.metrics import ServiceMetrics
from console.core.serving.model_holder import LoadedModel, ModelHolder
from console.core.serving.model_loader import ModelLoader
from console.core.serving.prediction_log import PredictionLog
from console.core.serving.settings import ServiceSettings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)


class ScoringService:
    """One run of the scoring service for a workspace."""

    def __init__(
        self,
        ws: Workspace,
        user: str,
        settings: ServiceSettings | None = None,
        *,
        log_predictions: bool = True,
    ) -> None:
        self.ws = ws
        self.user = user
        self.settings = settings or ServiceSettings.of(ws)
        ws.authorize(user, "service.control", "service")
        if log_predictions:
            ws.authorize(user, "ingest", "service")
        other = state.running_service(ws)
        if other is not None and other.pid != os.getpid():
            raise BadInput(f"the scoring service already runs at {other.url} (pid {other.pid})")
        host = self.settings.host
        self.tls = not security.is_loopback(host)
        self.token_required = security.needs_token(host, self.settings.open_on_loopback)
        token = security.service_token(ws, loopback=not self.tls) if self.token_required else None
        self.cert = security.certificate(ws) if self.tls else None
        self.metrics = ServiceMetrics()
        request_log.configure(ws)
        self.holder = ModelHolder(
            ws,
            poll_seconds=self.settings.poll_seconds,
            on_swap=self._swapped,
            loader=ModelLoader() if self.settings.load_in_helper else None,
        )
        self.metrics.model_version = self.holder.current.version
        self.cache = PredictionCache(self.settings.cache_size)
        self.sock = _bind(host, self.settings.port)
        self.port = int(self.sock.getsockname()[1])
        scheme = "https" if self.tls else "http"
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
        self.info = state.ServiceInfo(
            url=f"{scheme}://{shown}:{self.port}",
            host=host,
            port=self.port,
            pid=os.getpid(),
            started_at=clock.iso(),
            tls=self.tls,
        )
        self.prediction_log = (
            PredictionLog(
                ws,
                user,
                f"service:{self.port}",
                self.metrics,
                flush_seconds=self.settings.flush_seconds,
                flush_rows=self.settings.flush_rows,
            )
            if log_predictions
            else None
        )
        runtime = Runtime(
            self.holder,
            self.cache,
            self.metrics,
            self.prediction_log,
            self.settings,
            ws.config.data_schema,
            token,
        )
        self.app: Starlette = build_app(runtime, self._lifespan)
        self.run_id: int | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()

    def _swapped(self, model: LoadedModel | None, problem: str) -> None:
        if model is None:
            self.metrics.swap_errors += 1
            self.metrics.last_swap_error = problem
        else:
            self.metrics.swaps += 1
            self.metrics.model_version = model.version

    @asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        self.holder.start()
        if self.prediction_log is not None:
            self.prediction_log.start()
        self.run_id = state.record_start(
            self.ws, self.user, self.info, token_required=self.token_required
        )
        log.info(
            "scoring service for %s at %s (model %s; %s)",
            self.ws.root,
            self.info.url,
            self.holder.current.version,
            "bearer token required" if self.token_required else "open to loopback clients",
        )
        self.ready.set()
        try:
            yield
        finally:
            self.holder.stop()
            if self.prediction_log is not None:
                self.prediction_log.stop()
            state.record_stop(self.ws, self.user, self.run_id, self.totals())
            log.info("scoring service at %s stopped", self.info.url)

    def totals(self) -> dict[str, Any]:
        return {
            "model_version": self.holder.current.version,
            "requests": self.metrics.total_requests,
            "errors": self.metrics.errors,
            "logged_rows": self.metrics.logged_rows,
        }

    def _uvicorn(self) -> Any:
        import uvicorn

        cert, key = self.cert if self.cert else (None, None)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_keep_alive=30,
            timeout_graceful_shutdown=max(5, int(self.settings.request_timeout_s) + 1),
            ssl_certfile=str(cert) if cert else None,
            ssl_keyfile=str(key) if key else None,
        )
        return uvicorn.Server(config)

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT (call from the main thread)."""
        self._server = self._uvicorn()
        try:
            self._server.run(sockets=[self.sock])
        finally:
            self.sock.close()

    # ------------------------------------------------------------------ in-process
    def start(self, timeout: float = 30.0) -> state.ServiceInfo:
        """Serve from a background thread (tests, benchmarks); returns once it answers."""
        self._server = self._uvicorn()
        self._thread = threading.Thread(target=self._run_thread, name="scoring-service")
        self._thread.start()
        if not self.ready.wait(timeout) or not self._wait_started(timeout):
            self.stop()
            raise BadInput(f"the scoring service did not start within {timeout:g} s")
        return self.info

    def _wait_started(self, timeout: float) -> bool:
        import time

        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or self._thread is None or not self._thread.is_alive():
                return False
            time.sleep(0.01)
        return True

    def _run_thread(self) -> None:
        try:
            self._server.run(sockets=[self.sock])
        finally:
            self.sock.close()
            self.ready.set()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
