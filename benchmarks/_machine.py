"""What every benchmark shares: the machine it ran on, and interleaved comparisons.

A figure only holds if its baseline ran on the same machine under the same load, so
each benchmark prints the machine (CPU model, cores, load average at start), runs the
console's measurement and its baseline alternately (``ROUNDS`` times or more, the
order flipped every round), and prints both medians, the median ratio and the worst
ratio of a round. The README quotes the worst ratio.

    from _machine import Comparison, print_machine, interleave
    print_machine()
    cmp = interleave("drift 1M vs 1M", console=run_console, baseline=run_scipy, repeat=5)
    cmp.print(target=1 / 6)
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

ROUNDS = 5  # at least this many console/baseline pairs per figure


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def print_machine(note: str = "") -> None:
    """One line naming the machine and its load now; call it first."""
    print(
        f"machine: {cpu_model()}, {cores()} cores usable of {os.cpu_count()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average at start {load_average()}" + (f"; {note}" if note else ""),
        flush=True,
    )


def print_load(when: str = "at end") -> None:
    print(f"load average {when}: {load_average()}", flush=True)


@dataclass
class Comparison:
    """Console and baseline values measured in alternating rounds.

    ``lower_is_better``: times (ratio console/baseline, the worst round is the largest
    ratio); otherwise rates (ratio baseline/console, so > 1 still means slower).
    """

    label: str
    unit: str = "s"
    lower_is_better: bool = True
    console: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)

    def add(self, console: float, baseline: float) -> None:
        self.console.append(console)
        self.baseline.append(baseline)

    def ratios(self) -> list[float]:
        pairs = zip(self.console, self.baseline, strict=True)
        if self.lower_is_better:
            return [c / b if b else float("inf") for c, b in pairs]
        return [b / c if c else float("inf") for c, b in pairs]

    @property
    def median_ratio(self) -> float:
        return statistics.median(self.ratios())

    @property
    def worst_ratio(self) -> float:
        return max(self.ratios())

    def line(self, *, target: float | None = None, baseline_name: str = "baseline") -> str:
        def runs(values: list[float]) -> str:
            return ", ".join(f"{v:.3g}" for v in values)

        verdict = ""
        if target is not None:
            ok = self.worst_ratio <= target
            verdict = f" (target <= {target:g}x: {'PASS' if ok else 'FAIL'})"
        return (
            f"{self.label}: console median {statistics.median(self.console):.4g} {self.unit} "
            f"[{runs(self.console)}]; {baseline_name} median "
            f"{statistics.median(self.baseline):.4g} {self.unit} [{runs(self.baseline)}]; "
            f"ratio median {self.median_ratio:.2f}x, worst {self.worst_ratio:.2f}x of "
            f"{len(self.console)} rounds{verdict}"
        )

    def print(self, *, target: float | None = None, baseline_name: str = "baseline") -> None:
        print(self.line(target=target, baseline_name=baseline_name), flush=True)


def interleave(
    label: str,
    console: Callable[[], float],
    baseline: Callable[[], float],
    *,
    repeat: int = ROUNDS,
    unit: str = "s",
    lower_is_better: bool = True,
) -> Comparison:
    """Run ``console`` and ``baseline`` alternately ``repeat`` times, the order flipped
    each round; each returns its measured value (seconds unless ``unit`` says)."""
    result = Comparison(label, unit, lower_is_better)
    for n in range(max(repeat, 1)):
        if n % 2 == 0:
            c = console()
            b = baseline()
        else:
            b = baseline()
            c = console()
        result.add(c, b)
        print(f"  round {n + 1}/{repeat}: console {c:.4g} {unit}, baseline {b:.4g} {unit}",
              file=sys.stderr, flush=True)  # fmt: skip
    return result


def timed(fn: Callable[[], object]) -> Callable[[], float]:
    """``fn`` as a measurement: its wall-clock seconds."""

    def run() -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    return run
