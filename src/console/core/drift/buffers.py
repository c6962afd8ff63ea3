"""Column-sized scratch buffers that a worker thread reuses from column to column.

Each numeric column needs a few arrays as large as the column for a moment (the bucket
arithmetic, each value's bucket). Freshly allocated, every one is new pages the kernel
must zero, which cost a cold analysis about a fifth of its CPU. Inside :func:`reuse` (a
worker's lifetime, see ``reference.run_columns``), :func:`take` hands the thread the same
buffer for the same name again; outside it, a fresh array.

The contract of a name: what :func:`take` returned is the caller's until the column's
work ends (or, where said, until the function that took it returns), and nothing keeps
it longer. The names in use:

- ``"scratch"`` (float64: the bucket arithmetic, then x - lo or the deviations for the
  std) and ``"index"`` (intp: each value's bucket), ``"before"`` (int64: the current's
  counts before each bucket): the column's;
- ``"bucket1"`` .. ``"bucket5"``, ``"counts1"`` (the KS/Wasserstein bucket arithmetic),
  ``"mask"`` (bool: a pass's selection), ``"wide_index"`` (intp: the reference's
  buckets widened for it), ``"sort_keys"``, ``"sort_index"`` (counting a sort): the
  function's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

_local = threading.local()


@contextmanager
def reuse() -> Iterator[None]:
    """Within this, :func:`take` reuses this thread's buffers; they are dropped after."""
    depth: int = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth = depth
        if depth == 0:
            _local.pool = {}


def enter_for_thread() -> None:
    """Reuse buffers for the rest of this thread's life (a pool worker's initializer:
    the buffers go with the thread)."""
    _local.depth = getattr(_local, "depth", 0) + 1


def take(name: str, size: int, dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    """An uninitialised array of ``size`` items: this thread's buffer ``name`` inside
    :func:`reuse`, a new array outside."""
    kind = np.dtype(dtype)
    if not getattr(_local, "depth", 0):
        return np.empty(size, kind)
    pool: dict[str, npt.NDArray[Any]] = _local.__dict__.setdefault("pool", {})
    found = pool.get(name)
    if found is None or found.size < size or found.dtype != kind:
        found = pool[name] = np.empty(size, kind)
    return found[:size]
