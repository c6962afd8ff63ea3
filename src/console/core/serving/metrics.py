"""What the service counts: requests, errors, latency, cache, swaps, the prediction log.

``/metrics`` renders it in the Prometheus text format (version 0.0.4); ``/health``
summarises it as JSON with latency percentiles over the most recent requests.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import numpy as np

#: Upper bounds of the latency histogram, in seconds (Prometheus convention).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RECENT = 4096  # latencies kept for the percentiles of /health


class ServiceMetrics:
    """Counters updated by request handlers (any thread) and read by the endpoints."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started = time.monotonic()
        self.requests: Counter[int] = Counter()  # by HTTP status
        self.records = 0
        self.bucket_counts = [0] * (len(LATENCY_BUCKETS) + 1)
        self.latency_sum = 0.0
        self._recent = np.zeros(RECENT)
        self._recent_n = 0
        self.model_version = ""
        self.swaps = 0
        self.swap_errors = 0
        self.last_swap_error = ""
        #: the version a rollback would restore, when it is loaded ahead (else None)
        self.rollback_ready: str | None = None
        self.logged_rows = 0
        self.log_dropped = 0  # records not logged, for any reason
        self.log_duplicates = 0  # ... of which because their id was stored or waiting
        self.log_pending = 0
        self.last_log_error = ""

    def observe(self, status: int, seconds: float, records: int = 0) -> None:
        with self._lock:
            self.requests[status] += 1
            self.records += records
            self.latency_sum += seconds
            index = int(np.searchsorted(LATENCY_BUCKETS, seconds, side="left"))
            self.bucket_counts[index] += 1
            self._recent[self._recent_n % RECENT] = seconds
            self._recent_n += 1

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.requests.items() if status >= 400)

    def percentiles_ms(self) -> dict[str, float | None]:
        with self._lock:
            recent = self._recent[: min(self._recent_n, RECENT)].copy()
        if recent.size == 0:
            return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
        p50, p95, p99 = np.percentile(recent, [50, 95, 99]) * 1000.0
        return {"p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99)}

    def health(self, cache_hits: int, cache_misses: int) -> dict[str, Any]:
        lookups = cache_hits + cache_misses
        return {
            "status": "ok",
            "model_version": self.model_version,
            "uptime_s": round(time.monotonic() - self.started, 3),
            "requests": self.total_requests,
            "errors": self.errors,
            "records": self.records,
            **self.percentiles_ms(),
            "cache_hits": cache_hits,
            "cache_hit_rate": cache_hits / lookups if lookups else None,
            "swaps": self.swaps,
            "swap_errors": self.swap_errors,
            "last_swap_error": self.last_swap_error,
            "rollback_ready": self.rollback_ready,
            "logged_rows": self.logged_rows,
            "log_pending": self.log_pending,
            "log_dropped": self.log_dropped,
            "log_duplicates": self.log_duplicates,
            "last_log_error": self.last_log_error,
        }

    def prometheus(self, cache_hits: int, cache_misses: int, cache_entries: int) -> str:
        """The Prometheus text exposition of every metric."""
        with self._lock:
            requests = dict(self.requests)
            buckets = list(self.bucket_counts)
            latency_sum = self.latency_sum
        lines: list[str] = []

        def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
            lines.append(f"# HELP {name} {help_text}")
            lines.append(f"# TYPE {name} {kind}")
            lines.extend(f"{name}{labels} {_number(value)}" for labels, value in samples)

        metric(
            "console_requests_total",
            "counter",
            "HTTP requests answered, by status code.",
            [(f'{{code="{code}"}}', n) for code, n in sorted(requests.items())] or [("", 0)],
        )
        errors = sum(n for code, n in requests.items() if code >= 400)
        metric("console_errors_total", "counter", "Requests answered 4xx/5xx.", [("", errors)])
        metric("console_records_scored_total", "counter", "Records scored.", [("", self.records)])
        cumulative = np.cumsum(buckets)
        samples = [
            (f'_bucket{{le="{bound}"}}', float(c))
            for bound, c in zip(LATENCY_BUCKETS, cumulative, strict=False)
        ]
        samples += [('_bucket{le="+Inf"}', float(cumulative[-1]))]
        samples += [("_sum", latency_sum), ("_count", float(cumulative[-1]))]
        lines.append("# HELP console_request_latency_seconds Time to answer a request.")
        lines.append("# TYPE console_request_latency_seconds histogram")
        lines.extend(
            f"console_request_latency_seconds{suffix} {_number(v)}" for suffix, v in samples
        )
        metric("console_cache_hits_total", "counter", "Prediction cache hits.", [("", cache_hits)])
        metric(
            "console_cache_misses_total",
            "counter",
            "Prediction cache misses.",
            [("", cache_misses)],
        )
        metric("console_cache_entries", "gauge", "Entries in the cache.", [("", cache_entries)])
        metric(
            "console_model_info",
            "gauge",
            "The model version scoring requests (value 1).",
            [(f'{{version="{self.model_version}"}}', 1)],
        )
        metric("console_model_swaps_total", "counter", "Hot swaps done.", [("", self.swaps)])
        metric(
            "console_model_swap_errors_total",
            "counter",
            "New production versions that failed to load (the old one kept serving).",
            [("", self.swap_errors)],
        )
        metric(
            "console_logged_rows_total",
            "counter",
            "Rows written to the store.",
            [("", self.logged_rows)],
        )
        metric("console_log_pending_rows", "gauge", "Rows waiting.", [("", self.log_pending)])
        metric(
            "console_log_dropped_rows_total",
            "counter",
            "Scored records not logged, for any reason.",
            [("", self.log_dropped)],
        )
        metric(
            "console_log_duplicate_records_total",
            "counter",
            "Scored records not logged because their id was already stored or waiting.",
            [("", self.log_duplicates)],
        )
        uptime = time.monotonic() - self.started
        metric("console_uptime_seconds", "gauge", "Seconds since start.", [("", uptime)])
        return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"
