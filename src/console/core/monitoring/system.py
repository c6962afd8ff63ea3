"""System health: psutil samples kept as a time series with retention and down-sampling.

A sample holds the machine's CPU, memory and the workspace volume's disk use (0..1),
the scoring service's process CPU and memory, and its response times, request rate,
error rate and cache hit rate from the running service's ``GET /health``.
:class:`SystemSampler` takes a sample every second in a background thread (for live
plots) and stores their mean every ``sample_seconds``; :func:`compact` turns stored
samples older than the raw retention into hourly means and drops what is past the
hourly retention. Samples are telemetry, not operator changes: they are not audited.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from console.core.base.db import write_transaction
from console.core.monitoring import partners
from console.core.monitoring.settings import settings

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

log = logging.getLogger(__name__)

FIELDS: Final = (
    "cpu",
    "memory",
    "disk",
    "service_cpu",
    "service_mb",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "request_rate",
    "error_rate",
    "cache_hit_rate",
)
HOUR: Final = 3600
Sample = dict[str, float | None]


@dataclass
class _ServiceCounters:
    at: float
    requests: float
    errors: float


class ServiceProbe:
    """Reads the running scoring service's /health and its process, keeping counters
    between calls so request and error rates are per second since the last call."""

    def __init__(self) -> None:
        self._last: _ServiceCounters | None = None
        self._process: Any = None

    def read(self, ws: Workspace) -> Sample:
        import psutil

        info = partners.running_service(ws)
        if info is None:
            self._last = None
            return {}
        out: Sample = {}
        try:
            if self._process is None or self._process.pid != info.pid:
                self._process = psutil.Process(info.pid)
                self._process.cpu_percent(None)
            out["service_cpu"] = self._process.cpu_percent(None) / 100.0
            out["service_mb"] = self._process.memory_info().rss / 2**20
        except psutil.Error:
            self._process = None
        health = fetch_health(ws, info)
        if health is None:
            return out
        for key in ("p50", "p95", "p99"):
            out[f"{key}_ms"] = _number(health, f"{key}_ms", f"latency_{key}_ms", key)
        out["cache_hit_rate"] = _number(health, "cache_hit_rate", "cache_hits")
        now = time.monotonic()
        requests = _number(health, "requests") or 0.0
        errors = _number(health, "errors") or 0.0
        if self._last is not None and now > self._last.at:
            done = max(requests - self._last.requests, 0.0)
            out["request_rate"] = done / (now - self._last.at)
            out["error_rate"] = max(errors - self._last.errors, 0.0) / done if done else 0.0
        elif requests:
            out["error_rate"] = errors / requests
        self._last = _ServiceCounters(now, requests, errors)
        return out


def fetch_health(ws: Workspace, info: Any) -> dict[str, Any] | None:
    """GET /health of a running service (None when it does not answer in 1 s)."""
    return partners.service_health(ws, info)


def _number(data: dict[str, Any], *keys: str) -> float | None:
    for key in keys:
        value = data.get(key)
        if isinstance(value, int | float):
            return float(value)
    return None


def machine_sample(ws: Workspace) -> Sample:
    """CPU (since the previous call), memory and the workspace volume's disk use."""
    import psutil

    return {
        "cpu": psutil.cpu_percent(None) / 100.0,
        "memory": psutil.virtual_memory().percent / 100.0,
        "disk": psutil.disk_usage(str(ws.root)).percent / 100.0,
    }


def store_sample(ws: Workspace, ts: float, sample: Sample, *, resolution: int = 0) -> None:
    values = [sample.get(f) for f in FIELDS]
    with write_transaction(ws.conn) as conn:
        conn.execute(
            f"INSERT OR REPLACE INTO system_samples (ts, resolution, {', '.join(FIELDS)}) "
            f"VALUES (?, ?, {', '.join('?' * len(FIELDS))})",
            (ts, resolution, *values),
        )


def compact(ws: Workspace, now: float) -> tuple[int, int]:
    """Down-sample stored samples past the raw retention to hourly means; drop hourly
    ones past their retention. Returns (raw rows folded, hourly rows dropped)."""
    cfg = settings(ws)
    raw_cut = now - cfg.raw_retention_days * 86_400
    hour_cut = now - cfg.hour_retention_days * 86_400
    means = ", ".join(f"AVG({f})" for f in FIELDS)
    with write_transaction(ws.conn) as conn:
        folded = conn.execute(
            "SELECT COUNT(*) FROM system_samples WHERE resolution = 0 AND ts < ?", (raw_cut,)
        ).fetchone()[0]
        conn.execute(
            f"INSERT OR REPLACE INTO system_samples (ts, resolution, {', '.join(FIELDS)}) "
            f"SELECT CAST(ts / {HOUR} AS INTEGER) * {HOUR}, {HOUR}, {means} FROM system_samples "
            f"WHERE resolution = 0 AND ts < ? GROUP BY CAST(ts / {HOUR} AS INTEGER)",
            (raw_cut,),
        )
        conn.execute("DELETE FROM system_samples WHERE resolution = 0 AND ts < ?", (raw_cut,))
        dropped = conn.execute(
            "DELETE FROM system_samples WHERE resolution = ? AND ts < ?", (HOUR, hour_cut)
        ).rowcount
    return int(folded), int(dropped)


def stored_series(ws: Workspace, since: float, until: float | None = None) -> dict[str, Any]:
    """Stored samples in [since, until] (hourly then raw), as numpy arrays by field."""
    sql = f"SELECT ts, {', '.join(FIELDS)} FROM system_samples WHERE ts >= ?"
    args: list[float] = [since]
    if until is not None:
        sql += " AND ts <= ?"
        args.append(until)
    rows = ws.conn.execute(sql + " ORDER BY ts", args).fetchall()
    data = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=np.float64)
    if data.size == 0:
        data = np.zeros((0, len(FIELDS) + 1))
    out: dict[str, npt.NDArray[np.float64]] = {"ts": data[:, 0]}
    for i, name in enumerate(FIELDS, start=1):
        out[name] = data[:, i]
    return out


class SystemSampler:
    """Samples every ``interval`` seconds in a thread; stores a mean every ``store_every``.

    ``recent()`` gives the in-memory samples (a ring buffer) for live plots. Call
    :meth:`stop` (it joins the thread) when done.
    """

    def __init__(
        self,
        ws: Workspace,
        *,
        interval: float = 1.0,
        store_every: float | None = None,
        capacity: int = 3600,
    ) -> None:
        self.ws = ws
        self.interval = interval
        self.store_every = store_every if store_every is not None else settings(ws).sample_seconds
        self._buffer: collections.deque[tuple[float, Sample]] = collections.deque(maxlen=capacity)
        self._pending: list[Sample] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._probe = ServiceProbe()
        self.errors = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="system-sampler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def recent(self) -> dict[str, npt.NDArray[np.float64]]:
        with self._lock:
            items = list(self._buffer)
        out = {"ts": np.array([t for t, _ in items], dtype=np.float64)}
        for name in FIELDS:
            out[name] = np.array(
                [np.nan if s.get(name) is None else s[name] for _, s in items], dtype=np.float64
            )
        return out

    def sample_once(self) -> Sample:
        sample = machine_sample(self.ws)
        try:
            sample.update(self._probe.read(self.ws))
        except Exception:  # a missing or broken service must not stop the sampler
            log.exception("reading the scoring service's health failed")
        with self._lock:
            self._buffer.append((time.time(), sample))
            self._pending.append(sample)
        return sample

    def _run(self) -> None:
        last_store = time.monotonic()
        last_compact = 0.0
        while not self._stop.wait(self.interval):
            try:
                self.sample_once()
                if time.monotonic() - last_store >= self.store_every:
                    last_store = time.monotonic()
                    self._store_pending()
                if time.monotonic() - last_compact >= HOUR:
                    last_compact = time.monotonic()
                    compact(self.ws, time.time())
            except Exception:
                self.errors += 1
                log.exception("system sample failed")
        self._store_pending()

    def _store_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if pending:
            store_sample(self.ws, time.time(), mean_sample(pending))


def mean_sample(samples: list[Sample]) -> Sample:
    out: Sample = {}
    for name in FIELDS:
        values = [s[name] for s in samples if s.get(name) is not None]
        out[name] = float(np.mean([v for v in values if v is not None])) if values else None
    return out
