"""A small traffic generator: realistic card transactions sent to the scoring service.

Records come from :mod:`console.core.demo.data` (today's date, a fresh seed, so their
ids are new to the store); about one in ten repeats the features of a recent record
under a new id, as retried or recurring payments do, so the cache has hits. Requests
go out at a steady rate (open loop: a slow answer does not slow the sender), a few in
flight at once, for a bounded duration. Only the URL given is contacted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import json
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from console.core.base import clock
from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.demo import data as demo_data

MAX_RATE = 5000.0
MAX_IN_FLIGHT = 32  # connections to the service at most
MAX_CHUNK = 100_000  # records made at a time at most
REPEAT_SHARE = 0.1
PREDICT_PATH = "/v1/predict"


@dataclass
class TrafficResult:
    """What was sent and how it was answered."""

    sent: int = 0
    ok: int = 0
    failed: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    started_wall: float = 0.0  # time.time() when the first request went out
    #: (send time relative to start, version that answered) per ok response
    answers: list[tuple[float, float, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        lat = np.asarray(self.latencies_ms)
        pct = np.percentile(lat, [50, 99]) if lat.size else [None, None]
        return {
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed,
            "statuses": dict(self.statuses),
            "versions": dict(self.versions),
            "seconds": round(self.seconds, 3),
            "rate": round(self.sent / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": None if pct[0] is None else round(float(pct[0]), 3),
            "p99_ms": None if pct[1] is None else round(float(pct[1]), 3),
        }


def records(seed: int | None = None, chunk: int = 2000) -> Iterator[dict[str, Any]]:
    """Endless realistic records (JSON-ready: NaN becomes null), with unique ids."""
    for rows in chunks(seed, chunk):
        yield from rows


def chunks(seed: int | None = None, chunk: int = 2000) -> Iterator[list[dict[str, Any]]]:
    """:func:`records` a day's ``chunk`` at a time (each made in one go, ~20 ms)."""
    seed = seed if seed is not None else random.SystemRandom().randrange(10**6, 10**9)
    today = clock.now().date()
    drift = demo_data.DriftSpec(data_drift_from=today, concept_drift_from=today)
    rng = random.Random(seed)
    recent: list[dict[str, Any]] = []
    n = 0
    for day_offset in range(10**6):
        frame = demo_data.generate_transactions(
            today - dt.timedelta(days=day_offset), 1, chunk, seed=seed, drift=drift
        )
        features = list(demo_data.FEATURES)
        rows = frame[features].astype(object).where(frame[features].notna(), None)
        out = []
        for raw in rows.to_dict("records"):
            if recent and rng.random() < REPEAT_SHARE:
                row = dict(rng.choice(recent))
            else:
                row = {str(k): (v.item() if hasattr(v, "item") else v) for k, v in raw.items()}
                recent.append(row)
                recent = recent[-200:]
            n += 1
            out.append({"transaction_id": f"live-{seed}-{n:09d}", **row})
        yield out


class _Ahead:
    """Records made a chunk ahead, in a worker thread.

    Making a chunk on the event loop stalls it ~20 ms (the first ~80 ms): the answers in
    flight wait unread, so their latency looks longer than the service made it, and the
    requests due meanwhile leave in a burst. The first chunk is made before the clock
    starts; each next one while the current one still has a quarter left.
    """

    def __init__(self, source: Iterator[list[dict[str, Any]]]) -> None:
        self._source = source
        self._ready: deque[dict[str, Any]] = deque(next(source))
        self._low = max(len(self._ready) // 4, 1)
        self._next: asyncio.Future[list[dict[str, Any]]] | None = None

    async def take(self) -> dict[str, Any]:
        if self._next is None and len(self._ready) <= self._low:
            self._next = asyncio.ensure_future(asyncio.to_thread(next, self._source))
        if self._next is not None and (not self._ready or self._next.done()):
            self._ready.extend(await self._next)
            self._next = None
        return self._ready.popleft()


def send(
    url: str,
    *,
    rate: float,
    duration: float,
    token: str | None = None,
    batch: int = 1,
    seed: int | None = None,
    verify: Any = True,
    ctx: JobContext | None = None,
    on_answer: Callable[[float, str], None] | None = None,
    until: Callable[[], bool] | None = None,
    freeze_gc: bool = False,
    chunk: int = 2000,
) -> TrafficResult:
    """POST records to ``url``/v1/predict at ``rate`` requests a second for ``duration`` s.

    ``until()``, checked before each request, ends the run early when it returns True.
    ``freeze_gc``, for a process that only sends (``console traffic``, a benchmark's load
    process): everything alive when sending starts is left out of the garbage
    collector's passes. A full pass walked it all, 18-32 ms with the event loop held,
    and the answers in flight counted the generator's pause as the service's latency.
    ``chunk``: records made at a time, the first before the clock starts. Each next one
    is made by a worker thread whose turns with the interpreter lock (up to 5 ms each,
    20-80 ms in all) delay the answers the event loop reads meanwhile; a measurement
    shorter than ``chunk / rate`` seconds never makes one.
    """
    if not 0 < rate <= MAX_RATE:
        raise BadInput(f"rate {rate:g} must be above 0 and at most {MAX_RATE:g} requests/s")
    if not 0 < duration <= 7 * 86400:
        raise BadInput(f"duration {duration:g} s must be above 0 and at most a week")
    if not 1 <= batch <= 1000:
        raise BadInput(f"batch {batch} must be 1-1000 records per request")
    if not batch <= chunk <= MAX_CHUNK:
        raise BadInput(f"chunk {chunk} must be {batch}-{MAX_CHUNK:,} records")
    sender = _Sender(url.rstrip("/"), token, verify, on_answer, until, freeze_gc=freeze_gc)
    return asyncio.run(sender.run(rate, duration, batch, seed, ctx or JobContext(), chunk=chunk))


class _Sender:
    """One run of the generator: the client, the tasks in flight and the tally."""

    def __init__(
        self,
        url: str,
        token: str | None,
        verify: Any,
        on_answer: Callable[[float, str], None] | None,
        until: Callable[[], bool] | None,
        *,
        freeze_gc: bool = False,
    ) -> None:
        self.until = until
        self.freeze_gc = freeze_gc
        self.url = url
        self.token = token
        self.verify = verify
        self.on_answer = on_answer
        self.result = TrafficResult()
        self.start = 0.0

    async def run(
        self,
        rate: float,
        duration: float,
        batch: int,
        seed: int | None,
        ctx: JobContext,
        *,
        chunk: int,
    ) -> TrafficResult:
        from console.core.serving.load_client import LoadClient

        source = _Ahead(chunks(seed, chunk))  # before the clock: the first chunk ~80 ms
        client = LoadClient(
            self.url, connections=MAX_IN_FLIGHT, token=self.token, verify=self.verify
        )
        slots = asyncio.Semaphore(MAX_IN_FLIGHT * 4)  # bounded backlog when it is slow
        tasks: set[asyncio.Task[None]] = set()
        if self.freeze_gc:  # after the first chunk and the client were made
            gc.freeze()
        try:
            self.start = time.perf_counter()
            self.result.started_wall = time.time()
            interval = 1.0 / rate
            k = 0
            while (now := time.perf_counter()) - self.start < duration:
                if self.until is not None and self.until():
                    break
                ctx.progress((now - self.start) / duration, f"{self.result.sent:,} requests sent")
                due = self.start + k * interval
                if due > now:
                    await asyncio.sleep(due - now)
                await slots.acquire()
                rows = [await source.take() for _ in range(batch)]
                body = json.dumps(rows[0] if batch == 1 else {"records": rows}).encode()
                task = asyncio.create_task(self.one(client, slots, body))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                self.result.sent += 1
                k += 1
            if tasks:
                await asyncio.gather(*tasks)
            self.result.seconds = time.perf_counter() - self.start
        finally:
            await client.close()
        return self.result

    async def one(self, client: Any, slots: asyncio.Semaphore, body: bytes) -> None:
        import h11

        result = self.result
        offset = time.perf_counter() - self.start
        try:
            status_code, answer = await client.post(PREDICT_PATH, body)
            status = str(status_code)
            if status_code == 200:
                version = str(json.loads(answer)["model_version"])
                result.ok += 1
                result.versions[version] += 1
                done = time.perf_counter() - self.start
                result.latencies_ms.append((done - offset) * 1000.0)
                result.answers.append((offset, done, version))
                if self.on_answer:
                    self.on_answer(offset, version)
            else:
                result.failed += 1
        except (OSError, TimeoutError, h11.ProtocolError, ValueError) as exc:
            status = type(exc).__name__
            result.failed += 1
        finally:
            slots.release()
        result.statuses[status] += 1
