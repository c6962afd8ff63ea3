"""Model Operations Console."""

import os
import sys

__version__ = "0.1.0"

# The settings below are read by native libraries when they load, so they are made
# here, before any console module imports them.

#: the allocator Arrow's buffers come from in every console process (CLI, window,
#: scoring service). Arrow's default on Linux, mimalloc, gives freed buffers back to the
#: system within milliseconds and takes fresh transparent huge pages for the next ones:
#: a daily-check job spent up to a third of its time in the kernel zeroing them, most in
#: a process that also holds the window. Arrow reads the variable when it first
#: allocates; an operator's own choice is kept.
ARROW_POOL = "jemalloc"

#: threads of numpy's and scipy's BLAS. The console's only BLAS calls are vector dot
#: products in the daily metrics; with a second thread OpenBLAS kept that thread spinning
#: after each one, at normal priority: 0.8 s of a core during a 16 s metrics job in the
#: window, on the two cores the GUI thread and the scoring service share. Read when
#: numpy loads; an operator's own setting is kept.
BLAS_THREADS = "1"

#: whether numpy asks the kernel for transparent huge pages for its large arrays (its
#: default on Linux). Each such page is zeroed and, where free memory is fragmented, made
#: by moving other pages, other processes' too: during a 10 M-row metrics job the window's
#: GUI thread slept for up to 125 ms with nothing of its own to wait for.
#: Read when numpy loads; an operator's own setting is kept.
NUMPY_HUGEPAGES = "0"

if sys.platform.startswith("linux"):  # where Arrow's wheels ship it, and it was measured
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_POOL)
os.environ.setdefault("OPENBLAS_NUM_THREADS", BLAS_THREADS)
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", NUMPY_HUGEPAGES)
