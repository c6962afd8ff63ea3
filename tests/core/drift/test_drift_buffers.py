"""A worker thread reuses its column-sized buffers; outside a worker, arrays are fresh."""

from __future__ import annotations

import threading

import numpy as np

from console.core.drift import buffers


def test_inside_reuse_the_same_name_gives_the_same_memory_and_after_it_is_dropped() -> None:
    with buffers.reuse():
        a = buffers.take("scratch", 1000, np.float64)
        b = buffers.take("scratch", 800, np.float64)
        assert np.shares_memory(a, b)
        assert b.size == 800
        other = buffers.take("index", 1000, np.intp)
        assert not np.shares_memory(a, other)
        bigger = buffers.take("scratch", 5000, np.float64)
        assert bigger.size == 5000
        assert not np.shares_memory(a, bigger)
    after = buffers.take("scratch", 1000, np.float64)
    assert not np.shares_memory(after, bigger)
    assert not np.shares_memory(after, buffers.take("scratch", 1000, np.float64))


def test_threads_do_not_share_buffers() -> None:
    seen: dict[str, np.ndarray] = {}

    def worker(name: str) -> None:
        buffers.enter_for_thread()
        seen[name] = buffers.take("scratch", 100, np.float64)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not np.shares_memory(seen["a"], seen["b"])
