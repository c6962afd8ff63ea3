"""Crash points end the process only when a test arms them."""

from __future__ import annotations

import os
import subprocess
import sys

from console.core.base import crash

SCRIPT = (
    "from console.core.base.crash import crash_point\n"
    "for i in range(3):\n"
    "    crash_point('ingest.before_commit')\n"
    "    print('passed', i, flush=True)\n"
)


def run(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(crash.ENV)}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_unarmed_points_do_nothing() -> None:
    done = run()
    assert done.returncode == 0
    assert done.stdout.split("\n")[:3] == ["passed 0", "passed 1", "passed 2"]


def test_an_armed_point_exits_at_once_on_the_chosen_hit() -> None:
    done = run(CONSOLE_CRASH_AT="other.point, ingest.before_commit", CONSOLE_CRASH_AT_HIT="2")
    assert done.returncode == crash.CRASH_EXIT
    assert done.stdout == "passed 0\n"
    assert "crash point ingest.before_commit reached" in done.stderr


def test_every_point_called_in_the_code_is_declared() -> None:
    import re
    from pathlib import Path

    import console

    root = Path(console.__file__).parent
    called = set()
    for path in root.rglob("*.py"):
        for line in re.findall(r"crash_point\(.*\)", path.read_text()):
            called |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', line))
    assert called
    assert called == set(crash.POINTS)
