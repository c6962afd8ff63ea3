"""Every console process takes Arrow's buffers from the same allocator, runs BLAS on
one thread and asks no huge pages for numpy's arrays."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import console

linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the allocator is chosen on Linux only"
)

ARROW = "import console, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
# every BLAS library numpy and scipy load, with its number of threads
BLAS = """
import console, numpy, scipy.linalg, threadpoolctl
print(sorted({i["num_threads"] for i in threadpoolctl.threadpool_info()
              if i["user_api"] == "blas"}))
"""
# whether numpy madvises huge pages (the call returns the setting it replaces)
HUGEPAGES = """
import console, numpy
from numpy._core import multiarray
print(multiarray._set_madvise_hugepage(False))
"""


def run(code: str, variable: str, value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != variable}
    if value is not None:
        env[variable] = value
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout.strip()


@linux
def test_importing_the_console_chooses_arrows_allocator() -> None:
    assert run(ARROW, "ARROW_DEFAULT_MEMORY_POOL", None) == console.ARROW_POOL == "jemalloc"


@linux
def test_an_operators_own_allocator_is_kept() -> None:
    assert run(ARROW, "ARROW_DEFAULT_MEMORY_POOL", "system") == "system"


def test_blas_runs_on_one_thread() -> None:
    assert run(BLAS, "OPENBLAS_NUM_THREADS", None) == "[1]"


def test_an_operators_own_blas_threads_are_kept() -> None:
    assert run(BLAS, "OPENBLAS_NUM_THREADS", "2") == "[2]"


def test_numpy_asks_no_huge_pages() -> None:
    assert run(HUGEPAGES, "NUMPY_MADVISE_HUGEPAGE", None) == "False"
    assert console.NUMPY_HUGEPAGES == "0"


def test_an_operators_own_huge_page_choice_is_kept() -> None:
    assert run(HUGEPAGES, "NUMPY_MADVISE_HUGEPAGE", "1") == "True"
