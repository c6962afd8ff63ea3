"""Where heavy work runs: locally on all cores, or on a site's Dask distributed cluster.

With ``[cluster] address`` set, :func:`compute` connects a ``dask.distributed`` client
and makes joblib's ``dask`` backend the active one, so scikit-learn's searches and
cross-validation and the backtests' ``joblib.Parallel`` calls run on the cluster's
workers (which need scikit-learn, not the console). No scheduler or worker protocol of
our own. A cluster that does not answer is a clear failure, unless the config allows
falling back to local work; ``dask`` is an optional extra (``[cluster]``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from console.core.base.errors import ConsoleError

if TYPE_CHECKING:
    from console.core.base.maintenance_config import Cluster

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClusterUnavailable(ConsoleError):
    """The configured cluster did not answer, or dask is not installed (exit code 2: the
    ``[cluster]`` setting names a cluster this machine cannot use)."""

    exit_code = 2


@dataclass(frozen=True)
class Compute:
    """Where this piece of work runs."""

    address: str | None  # None: locally
    workers: int
    note: str = ""

    @property
    def local(self) -> bool:
        return self.address is None

    def describe(self) -> str:
        if self.local:
            return f"local{' (' + self.note + ')' if self.note else ''}"
        return f"dask cluster {self.address} ({self.workers} workers)"

    def map(self, fn: Callable[..., T], items: Sequence[Any]) -> list[T]:
        """``[fn(item) for item in items]``, on the cluster's workers when there is one."""
        if self.local or len(items) < 2:
            return [fn(item) for item in items]
        joblib = importlib.import_module("joblib")
        out: list[T] = joblib.Parallel(n_jobs=-1)(joblib.delayed(fn)(item) for item in items)
        return out


@contextmanager
def compute(cfg: Cluster) -> Iterator[Compute]:
    """The place to run; inside, joblib uses the cluster when one is configured."""
    if not cfg.address:
        yield Compute(None, 1)
        return
    try:
        distributed = importlib.import_module("dask.distributed")
    except ImportError:
        raise ClusterUnavailable(
            f"[cluster] address = {cfg.address!r} needs dask: install the console with the "
            "'cluster' extra (pip install 'model-ops-console[cluster]')"
        ) from None
    try:
        client = distributed.Client(cfg.address, timeout=f"{cfg.timeout_s}s")
    except (OSError, TimeoutError) as exc:
        why = f"cluster {cfg.address} did not answer within {cfg.timeout_s:g} s ({exc})"
        if not cfg.fallback_local:
            raise ClusterUnavailable(
                f"{why}; check [cluster] address, or set fallback_local = true"
            ) from None
        log.warning("%s; running locally (fallback_local = true)", why)
        yield Compute(None, 1, note=f"fallback: {why}")
        return
    joblib = importlib.import_module("joblib")
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        with joblib.parallel_backend("dask"):
            yield Compute(cfg.address, workers)
    finally:
        client.close()
