"""Ingest speed and memory against the plain baseline, side by side in one run.

Target (foundation issue): ingesting 1 M prediction rows from CSV takes at most 2x the
time of ``pandas.read_csv`` of the file plus a bare write of the same rows to the same
storage (Parquet in the workspace), with peak memory at most 2x that baseline's.

Each measurement runs in a fresh child process (so peak RSS is its own), alternating
console and baseline, ``--repeat`` times (order flipped each round); the machine, the
medians, the median ratio and the worst round's ratio are printed. The disk is synced
before each run (the console syncs its files; it paid for the baseline's unsynced
writes of the run before) and each side runs once untimed before the rounds. By default a daily
feed (1 day); ``--full`` adds a month's backfill (30 days, a part per day).

    python benchmarks/ingest.py [--rows 1000000] [--repeat 5] [--full]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import Comparison, interleave, print_load, print_machine


def make_csv(path: Path, rows: int, days: int) -> None:
    import numpy as np

    from console.core.demo.data import generate_transactions

    per_day = int(rows / days * 1.15) + 1  # the generator varies volume by weekday
    frame = generate_transactions(dt.date(2026, 1, 5), days, per_day, seed=3).head(rows)
    rng = np.random.default_rng(3)
    frame["score"] = rng.random(len(frame))
    frame["decision"] = (frame["score"] > 0.99).astype("int8")
    frame.drop(columns="is_fraud").to_csv(path, index=False)


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM): unlike ru_maxrss, not inherited on fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, csv_path: Path, folder: Path) -> None:
    """Run one measurement; print {"seconds", "peak_mb"} as JSON.

    Both modes import the same libraries before the clock starts (the console imports
    them lazily), so the figure is the work, not the imports.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute
    import pyarrow.csv
    import pyarrow.parquet as pq

    from console.core.base.workspace import Workspace
    from console.core.data import ingest

    if mode == "console":
        ws = Workspace.create(folder / "ws", "bench")
        start = time.perf_counter()
        result = ingest.ingest_file(ws, "bench", "predictions", csv_path)
        seconds = time.perf_counter() - start
        assert result.outcome == "ok", result
    else:
        start = time.perf_counter()
        frame = pd.read_csv(csv_path)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / "bare.parquet")
        seconds = time.perf_counter() - start
    peak_mb = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def measure(mode: str, csv_path: Path) -> dict[str, float]:
    # Nothing left to write back from the run before: the baseline's Parquet file is
    # never synced, and the console's ingest, which syncs its own files, paid for it.
    os.sync()
    with tempfile.TemporaryDirectory(dir=csv_path.parent) as folder:
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(csv_path), folder],
            capture_output=True,
            text=True,
            check=True,
        )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--days",
        type=int,
        nargs="+",
        help="days the file spans: 1 = a daily feed, 30 = a month's backfill (a part per day)",
    )
    parser.add_argument("--full", action="store_true", help="also a month's backfill")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CSV", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    print_machine()
    for days in args.days or ([1, 30] if args.full else [1]):
        compare(args.rows, days, args.repeat)
    print_load()


def compare(rows: int, days: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        csv_path = Path(tmp) / "predictions.csv"
        make_csv(csv_path, rows, days)
        os.sync()  # the file written out first: not while the first round is timed
        size_mb = csv_path.stat().st_size / 2**20
        print(
            f"\n{rows:,} rows over {days} day(s), CSV {size_mb:.0f} MiB, "
            f"{repeat} alternating runs each"
        )
        peaks: dict[str, list[float]] = {"console": [], "baseline": []}

        def run(mode: str) -> float:
            result = measure(mode, csv_path)
            peaks[mode].append(result["peak_mb"])
            return result["seconds"]

        for mode in ("baseline", "console"):  # once each, not timed: the same files
            measure(mode, csv_path)  # in memory for both, whichever runs first
        times = interleave(
            f"ingest {rows:,} rows / {days} day(s)",
            console=lambda: run("console"),
            baseline=lambda: run("baseline"),
            repeat=repeat,
        )
    memory = Comparison(f"peak RSS, {rows:,} rows / {days} day(s)", "MB")
    for console, baseline in zip(peaks["console"], peaks["baseline"], strict=True):
        memory.add(console, baseline)
    times.print(target=2.0, baseline_name="read_csv + write_table")
    memory.print(target=2.0, baseline_name="read_csv + write_table")


if __name__ == "__main__":
    main()
