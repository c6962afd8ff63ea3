"""The ASGI application: POST /v1/predict, GET /health, GET /metrics (starlette).

Every limit is answered with a 4xx and a one-line reason in JSON (``{"error": ...}``):
413 for a body or batch over the limit, 400 for a body that is not JSON, 422 for a
record that does not fit the model's features, 401 without the bearer token (required
unless the service is opened on loopback; each refusal is logged with the client's
address, never a token), 408 when reading and scoring took longer than the request
timeout. Records are checked on the event loop; a few records scored by the
compiled path (:mod:`console.core.serving.fast_path`) are scored there too, anything
else in the micro-batching scorer thread (:mod:`console.core.serving.batcher`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from console.core.base.errors import BadInput
from console.core.serving import request_log
from console.core.serving.batcher import BatchScorer
from console.core.serving.cache import PredictionCache
from console.core.serving.metrics import ServiceMetrics
from console.core.serving.model_holder import ModelHolder
from console.core.serving.prediction_log import PredictionLog
from console.core.serving.scoring import (
    ScoredBatch,
    TooLarge,
    complete,
    predict,
    prepare,
    records_of,
)
from console.core.serving.security import token_matches
from console.core.serving.settings import ServiceSettings

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager

    from console.core.base.config import Schema

log = logging.getLogger(__name__)
#: a request with at most this many records to score, and a compiled model, is scored
#: on the event loop; larger ones, and scikit-learn models, go to the batching thread
INLINE_ROWS = 16


LOG_OFF = "the prediction log is off"
UNAUTHORIZED = "missing or wrong bearer token: send 'Authorization: Bearer <service-token>'"


class RefusalLog:
    """Logs requests refused for want of the token: the first at once, then at most one
    line a minute with the count since (a client retrying in a loop cannot flood the
    log). The token a client sent is never logged."""

    EVERY_S = 60.0

    def __init__(self) -> None:
        self.total = 0
        self._unlogged = 0
        self._last = -math.inf

    def refused(self, request: Request) -> None:
        self.total += 1
        self._unlogged += 1
        now = time.monotonic()
        if now - self._last >= self.EVERY_S:
            client = request.client
            who = f"{client.host}:{client.port}" if client else "an unknown client"
            log.warning(
                "refused %d request(s) without the right bearer token (latest: %s %s from %s)",
                self._unlogged, request.method, request.url.path, who,
            )  # fmt: skip
            self._unlogged, self._last = 0, now


@dataclass
class Runtime:
    """What the handlers share: the model, the cache, the counters, the log, the limits."""

    holder: ModelHolder
    cache: PredictionCache
    metrics: ServiceMetrics
    prediction_log: PredictionLog | None
    settings: ServiceSettings
    schema: Schema
    token: str | None = None  # required bearer token (None: open on loopback)
    scorer: BatchScorer = field(default_factory=BatchScorer)
    refusals: RefusalLog = field(default_factory=RefusalLog)

    def health(self) -> dict[str, Any]:
        """What /health answers: the counters, the version serving, the one loaded ahead."""
        self.metrics.model_version = self.holder.current.version
        self.metrics.rollback_ready = self.holder.rollback_ready
        return self.metrics.health(self.cache.hits, self.cache.misses)

    def authorized(self, request: Request) -> bool:
        """The token matches, or none is required; a refusal is logged."""
        if self.token is None or token_matches(request.headers.get("authorization"), self.token):
            return True
        self.refusals.refused(request)
        return False


class _BodyTooLarge(Exception):
    pass


def build_app(
    runtime: Runtime,
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]] | None = None,
) -> Starlette:
    @asynccontextmanager
    async def lifespan_with_scorer(app: Starlette) -> AsyncIterator[None]:
        runtime.scorer.start()
        try:
            if lifespan is None:
                yield
            else:
                async with lifespan(app):
                    yield
        finally:
            runtime.scorer.stop()

    def error(status: int, message: str, started: float, **extra: Any) -> JSONResponse:
        runtime.metrics.observe(status, time.perf_counter() - started)
        return JSONResponse({"error": message, **extra}, status_code=status)

    async def predict(request: Request) -> Response:
        started = time.perf_counter()
        response = await answer(request)
        request_log.record(
            request.method, request.scope["path"], response.status_code,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            model=runtime.holder.current.version, body=request.headers.get("content-length"),
        )  # fmt: skip
        return response

    async def answer(request: Request) -> Response:
        started = time.perf_counter()
        if not runtime.authorized(request):
            return error(401, UNAUTHORIZED, started)
        limit = runtime.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return error(
                413, f"body of {int(declared):,} bytes is over the limit of {limit:,}", started
            )
        try:
            async with asyncio.timeout(runtime.settings.request_timeout_s):  # half anyio's cost
                batch = await _score(runtime, request, limit)
        except _BodyTooLarge:
            return error(413, f"body is over the limit of {limit:,} bytes", started)
        except TimeoutError:
            timeout = runtime.settings.request_timeout_s
            return error(408, f"request not read and scored within {timeout:g} s", started)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return error(400, f"body is not valid JSON: {exc}", started)
        except TooLarge as exc:
            return error(413, str(exc), started)
        except BadInput as exc:
            return error(422, str(exc), started, problems=exc.problems)
        latency_ms = (time.perf_counter() - started) * 1000.0
        if runtime.prediction_log is not None:
            unlogged = runtime.prediction_log.append(batch, latency_ms)
        else:
            unlogged = dict.fromkeys(range(len(batch.ids)), LOG_OFF)
        runtime.metrics.observe(200, latency_ms / 1000.0, len(batch.ids))
        return JSONResponse(batch.response(latency_ms, unlogged))

    async def health(_request: Request) -> Response:
        return JSONResponse(runtime.health())

    async def metrics(request: Request) -> Response:
        if not runtime.authorized(request):
            return JSONResponse({"error": UNAUTHORIZED}, status_code=401)
        cache = runtime.cache
        runtime.metrics.model_version = runtime.holder.current.version
        text = runtime.metrics.prometheus(cache.hits, cache.misses, len(cache))
        return PlainTextResponse(text, media_type="text/plain; version=0.0.4")

    async def not_found(request: Request, _exc: Exception) -> Response:
        return JSONResponse({"error": f"no such endpoint: {request.url.path}"}, status_code=404)

    async def wrong_method(request: Request, _exc: Exception) -> Response:
        return JSONResponse(
            {"error": f"{request.method} is not allowed on {request.url.path}"}, status_code=405
        )

    routes = [
        Route("/v1/predict", predict, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan_with_scorer,
        exception_handlers={404: not_found, 405: wrong_method},
    )


async def _score(runtime: Runtime, request: Request, limit: int) -> ScoredBatch:
    """Read, check and score one request's records."""
    body = await _read_body(request.stream(), limit)
    records = records_of(json.loads(body), runtime.settings.max_batch)
    model = runtime.holder.current  # one version scores the whole request
    pending = prepare(model, records, runtime.schema, runtime.cache)
    fresh = np.empty(0)
    if pending.missing and model.compiled is not None and len(pending.missing) <= INLINE_ROWS:
        # well under a millisecond: cheaper here than a hand-over to the scorer thread,
        # which waits for the interpreter lock on a busy machine
        fresh = predict(model, pending.frame_columns())
    elif pending.missing:
        fresh = await asyncio.wrap_future(runtime.scorer.submit(model, pending.frame_columns()))
    return complete(pending, fresh, runtime.cache)


async def _read_body(stream: AsyncIterator[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
