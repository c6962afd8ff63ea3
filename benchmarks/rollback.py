"""Rollback end to end, verification included, against the issue's 1 s target.

Target (issue 3): ``rollback`` with every check (artifact hash, safe load, input schema,
known-answer test on a 1,000-row golden set, single-row latency), the atomic switch and
the smoke-test step, median <= 1 s on this machine.

A workspace gets two demo-sized models (the demo recipe on 14 days x ``--per-day``
transactions; 1.1.0 trained differently), each with a 1,000-row golden set. Each round
promotes 1.1.0 (not timed) and times ``deploy.rollback`` back to 1.0.0. The first
rollback of the process (after one promote has loaded the libraries) is printed apart;
the median is over the following rounds.
The smoke step reports "skipped: no service running" (benchmarks/serving.py measures
switches under load with the service).

    python benchmarks/rollback.py [--rounds 10] [--per-day 10000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from two_models import build_two_models

TARGET_S = 1.0
GOLDEN_ROWS = 1_000


def build(root: Path, per_day: int) -> None:
    build_two_models(root, "bench", days=14, per_day=per_day, golden_rows=GOLDEN_ROWS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-day", type=int, default=10_000)
    args = parser.parse_args()

    from console.core.base.workspace import Workspace
    from console.core.models import deploy

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        t0 = time.perf_counter()
        build(root, args.per_day)
        print(f"workspace with 2 models x {GOLDEN_ROWS:,} golden rows built in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        totals: list[float] = []
        steps: dict[str, list[float]] = defaultdict(list)
        cold: float | None = None
        with Workspace.open(root) as ws:
            for n in range(args.rounds + 1):
                up = deploy.promote(ws, "bench", "1.1.0", reason=f"benchmark round {n}")
                assert up.outcome == "switched", up.checks
                t = time.perf_counter()
                back = deploy.rollback(ws, "bench", reason=f"benchmark round {n}")
                seconds = time.perf_counter() - t
                assert (back.outcome, back.to_version) == ("switched", "1.0.0"), back.checks
                if n == 0 and cold is None:
                    cold = seconds
                    cold_checks = back.checks
                    continue
                totals.append(seconds)
                for check in back.checks:
                    steps[check.name].append(check.seconds)
    median = statistics.median(totals)
    print(f"\nrollback end to end, {len(totals)} rounds (+1 first), golden set {GOLDEN_ROWS:,}")
    print(f"{'step':<14} {'median ms':>10} {'max ms':>9}  first ms")
    for check in cold_checks:
        values = steps[check.name]
        print(f"{check.name:<14} {statistics.median(values) * 1000:>10.1f} "
              f"{max(values) * 1000:>9.1f}   {check.seconds * 1000:>7.1f}")  # fmt: skip
    other = median - sum(statistics.median(v) for v in steps.values())
    print(f"{'(bookkeeping)':<14} {other * 1000:>10.1f}")
    print(f"\n{'':<24}{'console':>10}{'target':>10}{'ratio':>8}")
    print(f"{'rollback median (s)':<24}{median:>10.3f}{TARGET_S:>10.3f}{median / TARGET_S:>8.2f}")
    print(f"{'rollback max (s)':<24}{max(totals):>10.3f}{TARGET_S:>10.3f}"
          f"{max(totals) / TARGET_S:>8.2f}")  # fmt: skip
    print(f"{'first rollback (s)':<24}{cold or 0:>10.3f}")
    print("PASS" if median <= TARGET_S else "FAIL", f"(median {median:.3f} s <= {TARGET_S} s)")


if __name__ == "__main__":
    main()
