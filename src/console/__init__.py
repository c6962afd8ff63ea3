"""Model Operations Console."""

import os
import sys

__version__ = "0.1.0"

#: the allocator Arrow's buffers come from in every console process (CLI, window,
#: scoring service). Arrow's default on Linux, mimalloc, gives freed buffers back to the
#: system within milliseconds and takes fresh transparent huge pages for the next ones:
#: a daily-check job spent up to a third of its time in the kernel zeroing them, most in
#: a process that also holds the window. Arrow reads the variable when it first
#: allocates; an operator's own choice is kept.
ARROW_POOL = "jemalloc"

if sys.platform.startswith("linux"):  # where Arrow's wheels ship it, and it was measured
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_POOL)
