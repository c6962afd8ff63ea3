"""How long the lineage, timeline and log queries take on a demo workspace.

Builds the demo (``--days`` x ``--per-day`` transactions, its two models, one promote),
runs the daily checks and the alerts once, adds ``--audit`` synthetic audit entries
(ingests spread over the last 30 days) so the timeline has a long history to search,
and writes ``--log-lines`` lines to the console log. Then, each ``--repeat`` times, it
times (median and worst printed):

* ``lineage at``: production, deployment, dataset chain and config at a moment;
* ``lineage of``: the graph both ways from the production model;
* ``timeline 7d``: every event of the last 7 days (audit, deployments, alerts, jobs);
* ``what changed``: the ranked changes before now, drift analysis of 3 days included;
* ``verify files``: hashing every recorded file and artifact again;
* ``logs read``: filtering the console log for WARNING and above;
* ``logs follow``: one poll after 1,000 new lines;
* ``cold CLI lineage at``: ``python -m console lineage at now --json`` in a new process.

    python benchmarks/lineage.py [--days 12] [--per-day 3000] [--audit 50000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _machine import print_load, print_machine


def timed(name: str, fn: Callable[[], Any], repeat: int) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(f"{name:<24} median {statistics.median(times) * 1000:9.1f} ms   "
          f"worst {max(times) * 1000:9.1f} ms   ({repeat} runs)")  # fmt: skip


def synthetic_audit(ws: Any, entries: int) -> None:
    from console.core.base import audit, clock, db

    now = clock.now()
    with db.write_transaction(ws.conn) as conn:
        for n in range(entries):
            audit.append(conn, user="feed", role="operator", action="ingest",
                         target=f"landing/file-{n}.parquet",
                         details={"kind": "predictions", "batch": n, "rows": 1000})  # fmt: skip
    # spread them over the last 30 days, as a month of hourly feeds would be
    step = dt.timedelta(days=30) / max(entries, 1)
    with db.write_transaction(ws.conn) as conn:
        rows = conn.execute("SELECT seq FROM audit WHERE user = 'feed' ORDER BY seq").fetchall()
        conn.executemany(
            "UPDATE audit SET ts = ? WHERE seq = ?",
            [(clock.iso(now - dt.timedelta(days=30) + i * step), r["seq"])
             for i, r in enumerate(rows)],
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=12)
    parser.add_argument("--per-day", type=int, default=3000)
    parser.add_argument("--audit", type=int, default=50_000)
    parser.add_argument("--log-lines", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("CONSOLE_USER", "bench")
    print_machine(f"demo {args.days} days x {args.per_day:,}/day, {args.audit:,} audit "
                  f"entries, {args.log_lines:,} log lines")  # fmt: skip

    from console.core.alerts import engine
    from console.core.base import clock, log_files
    from console.core.base.workspace import Workspace
    from console.core.demo import build as demo
    from console.core.lineage import at, graph, integrity, timeline, what_changed
    from console.core.monitoring import checks

    folder = Path(tempfile.mkdtemp(prefix="lineage-bench-"))
    root = folder / "ws"
    settings = demo.DemoSettings(days=args.days, per_day=args.per_day, training_days=8)
    started = time.perf_counter()
    ws = Workspace.create(
        root, "bench", populate=lambda w: demo.build_demo(w, "bench", settings=settings)
    )
    engine.evaluate(ws, "bench", checks.run_daily_checks(ws, "bench"))
    synthetic_audit(ws, args.audit)
    log = logging.getLogger("console.bench")
    for n in range(args.log_lines):
        (log.warning if n % 20 == 0 else log.info)("line %d of the benchmark log", n)
    for handler in logging.getLogger("console").handlers:
        handler.flush()
    print(
        f"setup {time.perf_counter() - started:.1f} s "
        f"({ws.conn.execute('SELECT COUNT(*) FROM audit').fetchone()[0]:,} audit entries)"
    )

    production = ws.conn.execute("SELECT version FROM models WHERE stage = 'production'")
    version = production.fetchone()["version"]
    now = clock.now()
    timed("lineage at", lambda: at.lineage_at(ws, now), args.repeat)
    timed("lineage of", lambda: graph.lineage_of(ws, version), args.repeat)
    since = clock.iso(now - dt.timedelta(days=7))
    count = len(timeline.events(ws, since=since))
    timed(f"timeline 7d ({count:,} ev.)", lambda: timeline.events(ws, since=since), args.repeat)
    timed("what changed", lambda: what_changed.what_changed(ws), args.repeat)
    timed("verify files", lambda: integrity.check(ws), args.repeat)
    flt = log_files.LogFilter(sources=("console",), level="WARNING")
    timed("logs read (WARNING+)", lambda: log_files.read(ws, flt, limit=None), args.repeat)
    follower = log_files.Follower(ws, log_files.LogFilter())

    def follow() -> None:
        follower.start_at_end()
        for n in range(1000):
            log.info("appended %d", n)
        for handler in logging.getLogger("console").handlers:
            handler.flush()
        assert len(follower.poll()) >= 1000

    timed("logs follow (1,000 new)", follow, args.repeat)

    def cold() -> None:
        subprocess.run(
            [sys.executable, "-m", "console", "-w", str(root), "lineage", "at", "now", "--json"],
            check=True, capture_output=True,
        )  # fmt: skip

    timed("cold CLI lineage at", cold, args.repeat)
    print_load()
    ws.close()


if __name__ == "__main__":
    main()
