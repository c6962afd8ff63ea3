"""Stopping the service: a process that has exited has stopped, reaped or not."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from console.core.serving import control

# A parent that never reaps its child (as the window that started the service, while the
# command line stops it): the child ends on SIGTERM and stays a zombie.
PARENT = r"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_a_service_that_exited_but_is_not_reaped_has_stopped() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True
    ) as parent:
        try:
            assert parent.stdout is not None
            pid = int(parent.stdout.readline())
            started = time.monotonic()
            assert control._terminate(pid)  # once "did not stop within 20 s", then SIGKILL
            assert time.monotonic() - started < 5
            assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE  # its parent reaps
        finally:
            parent.kill()


def test_a_process_that_ignores_sigterm_is_killed_after_the_timeout(monkeypatch) -> None:
    monkeypatch.setattr(control, "STOP_TIMEOUT", 0.5)
    with subprocess.Popen(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, "
         "signal.SIG_IGN); print(1, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
    ) as stubborn:  # fmt: skip
        assert stubborn.stdout is not None
        stubborn.stdout.readline()  # the handler is set
        assert not control._terminate(stubborn.pid)
        assert stubborn.wait(timeout=5) == -9
