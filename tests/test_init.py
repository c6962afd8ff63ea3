"""Every console process takes Arrow's buffers from the same allocator."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import console

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the allocator is chosen on Linux only"
)

PROBE = "import console, pyarrow; print(pyarrow.default_memory_pool().backend_name)"


def backend(env_pool: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_pool is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_pool
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    return out.stdout.strip()


def test_importing_the_console_chooses_arrows_allocator() -> None:
    assert backend(None) == console.ARROW_POOL == "jemalloc"


def test_an_operators_own_choice_is_kept() -> None:
    assert backend("system") == "system"
