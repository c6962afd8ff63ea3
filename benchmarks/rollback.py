"""Rollback as the operator meets it: cold CLI, a window started seconds ago, and warm.

Targets: ``console models rollback`` from a fresh process <= 3 s wall; from a critical
alert in a window started seconds ago, switched <= 5 s after the click; in a warm
process (every check, switch, smoke step) <= 1 s.

A workspace gets two demo-recipe models (trained on 10 days x ``--per-day`` rows; 1.1.0
in production over 1.0.0, each with a 1,000-row golden set) and a firing critical F1
alert. Each round, interleaved, 1.1.0 is promoted again (not timed) before each of:

* ``cold CLI``: ``python -m console models rollback`` in a fresh process, wall time
  (1.0.0 pre-verified, as the window or an earlier switch leaves it);
* ``cold CLI, not pre-verified``: the same after clearing 1.0.0's pre-verification, so
  the process imports skops + scikit-learn and runs every check;
* ``first GUI``: a fresh process opens the main window offscreen, waits
  ``--gui-wait`` seconds, clicks the alert banner's "Roll back…" and the dialog's Roll
  back; timed from the first click to production switched (and from process start);
* ``warm``: ``deploy.rollback`` in this process.

It prints the machine first, then per figure the median and the worst over rounds.
The smoke step reports "skipped: no service running" (benchmarks/serving.py measures
switches under load with the service).

    python benchmarks/rollback.py [--rounds 5] [--per-day 2000] [--gui-wait 2]
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import print_load, print_machine
from two_models import build_two_models

GOLDEN_ROWS = 1_000
USER = getpass.getuser()  # the OS user: a workspace lets no one act under another name
TARGETS = {"cold CLI": 3.0, "first GUI, click to switched": 5.0, "warm": 1.0}

GUI_PROBE = r"""
import json, os, sys, time
t_start = time.perf_counter()
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from console.core.base.workspace import Workspace
from console.gui.dialogs.promote import DeploymentDialog
from console.gui.main_window import MainWindow

result = {}

def drive(dialog):  # the modal exec(): the operator's one click on Roll back
    done = []
    dialog.deployed.connect(done.append)
    dialog.show()
    app.processEvents()
    dialog.run_button.click()
    while not done:
        app.processEvents()
        time.sleep(0.005)
    result["switched_s"] = time.perf_counter() - result["click"]
    result["outcome"] = done[0].outcome
    result["checks"] = {c.name: round(c.seconds * 1000, 1) for c in done[0].checks}
    return 1

DeploymentDialog.exec = drive
with Workspace.open(Path(sys.argv[1])) as ws:
    window = MainWindow(ws, sys.argv[2])
    window.show()
    shown = time.perf_counter()
    while time.perf_counter() - shown < float(sys.argv[3]):
        app.processEvents()
        time.sleep(0.01)
    assert window.tray.banner_rollback.isVisibleTo(window), "no critical alert banner"
    result["click"] = time.perf_counter()
    window.tray.banner_rollback.click()
    result["since_start_s"] = time.perf_counter() - t_start
    result.pop("click")
    window.close()
print(json.dumps(result))
"""


def setup(root: Path, per_day: int) -> None:
    from console.core.alerts import engine
    from console.core.base import clock
    from console.core.base.workspace import Workspace
    from console.core.models import deploy
    from console.core.monitoring.checks import Check, CheckReport

    build_two_models(root, USER, days=10, per_day=per_day, golden_rows=GOLDEN_ROWS)
    with Workspace.open(root) as ws:
        assert deploy.promote(ws, USER, "1.1.0", reason="benchmark setup").outcome == "switched"
        check = Check("f1", 0.5, 0.7, "critical", "F1 over the last day", 900, "1d")
        engine.evaluate(ws, USER, CheckReport(1, clock.iso(), [check]))


def promote_newer(root: Path) -> None:
    from console.core.base.workspace import Workspace
    from console.core.models import deploy

    with Workspace.open(root) as ws:
        result = deploy.promote(ws, USER, "1.1.0", reason="benchmark: back to 1.1.0")
        assert result.outcome == "switched", result.checks


def forget_preverification(root: Path) -> None:
    from console.core.base.workspace import Workspace

    with Workspace.open(root) as ws, ws.conn:
        ws.conn.execute("DELETE FROM verified_artifacts WHERE version = '1.0.0'")


def cold_cli(root: Path, env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "console", "-w", str(root), "models", "rollback",
               "--reason", "benchmark: cold CLI", "--json"]  # fmt: skip
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"console models rollback failed: {done.stderr.strip()}")
    assert json.loads(done.stdout)["to_version"] == "1.0.0"
    return seconds


def first_gui(root: Path, env: dict[str, str], wait: float) -> dict[str, float]:
    command = [sys.executable, "-c", GUI_PROBE, str(root), USER, str(wait)]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=240
    )
    if done.returncode != 0:
        raise SystemExit(f"GUI probe failed: {done.stderr.strip()[-600:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcome"] == "switched", result
    return result


def warm(root: Path) -> float:
    from console.core.base.workspace import Workspace
    from console.core.models import deploy

    with Workspace.open(root) as ws:
        t0 = time.perf_counter()
        back = deploy.rollback(ws, USER, reason="benchmark: warm")
        seconds = time.perf_counter() - t0
    assert (back.outcome, back.to_version) == ("switched", "1.0.0"), back.checks
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-day", type=int, default=2_000)
    parser.add_argument("--gui-wait", type=float, default=2.0, help="seconds after show")
    args = parser.parse_args()
    print_machine("each figure a fresh process except 'warm'; figures interleaved per round")
    env = {**os.environ, "CONSOLE_USER": USER}
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        setup(root, args.per_day)
        print(f"workspace with 2 models x {GOLDEN_ROWS:,} golden rows and a critical alert "
              f"built in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
        warm(root)  # this process imports the libraries once, outside the figures
        for n in range(args.rounds):
            promote_newer(root)
            add("cold CLI", cold_cli(root, env))
            promote_newer(root)
            forget_preverification(root)
            add("cold CLI, not pre-verified", cold_cli(root, env))
            promote_newer(root)
            gui = first_gui(root, env, args.gui_wait)
            add("first GUI, click to switched", gui["switched_s"])
            add("first GUI, process start to switched", gui["since_start_s"])
            promote_newer(root)
            add("warm", warm(root))
            print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in figures.items()),
                  flush=True)  # fmt: skip
    print(f"\n{'rollback, seconds':<40}{'median':>9}{'worst':>9}{'target':>9}")
    for name, values in figures.items():
        target = TARGETS.get(name)
        print(f"{name:<40}{statistics.median(values):>9.3f}{max(values):>9.3f}"
              f"{'' if target is None else f'{target:.1f}':>9}")  # fmt: skip
    verdicts = [
        f"{name}: {'PASS' if max(figures[name]) <= target else 'FAIL'} (worst "
        f"{max(figures[name]):.2f} s <= {target:g} s)"
        for name, target in TARGETS.items()
    ]
    print("\n".join(verdicts))
    print(f"(first GUI: window shown {args.gui_wait:g} s before the click; "
          f"{args.rounds} rounds; total {time.perf_counter() - started:.0f} s)")  # fmt: skip
    print_load()


if __name__ == "__main__":
    main()
